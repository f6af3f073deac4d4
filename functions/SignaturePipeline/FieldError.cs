namespace SignaturePipeline;

/// <summary>
/// One broken rule. <see cref="Code"/> is stable and machine-readable (it is what receipts and
/// rejection records hold); <see cref="Message"/> is written for the signer, to show next to the field.
/// </summary>
public sealed record FieldError(string Field, string Code, string Message);
