using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Abuse;
using SignaturePipeline.Intake;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Receipts;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.IntegrationTests.Updates;

/// <summary>Signers for update tests, through the queue processor as the queue trigger hands them over: with or without opt-in, language and flag.</summary>
public static class UpdateSigners
{
    public static string Email(string petitionId, string name) => $"{name}.{petitionId}@signers.example.net";

    public static async Task SignAsync(IServiceProvider services, string petitionId, IEnumerable<(string Name, bool OptIn, string? Lang, string? Flag)> signers)
    {
        var hmac = services.GetRequiredService<Hmac>();
        var clock = services.GetRequiredService<TimeProvider>();
        var batch = ReceiptId.NewBatch();
        var items = signers.Select((s, i) => new QueuedSignature(ReceiptId.Create(hmac, batch, i).Value, petitionId, clock.GetUtcNow(),
            new SignatureInput
            {
                FirstName = "Signer",
                LastName = s.Name,
                Email = Email(petitionId, s.Name),
                PostalCode = "10001",
                State = "NY",
                OptIn = s.OptIn,
                Lang = s.Lang,
            }) { Flag = s.Flag }).ToList();
        await services.GetRequiredService<SignatureProcessor>()
            .ProcessAsync(new SignatureMessage(SignatureMessage.CurrentSchema, items).Serialize(), Guid.NewGuid().ToString(), 1, CancellationToken.None);
    }

    /// <summary><paramref name="count"/> counted signers who opted in, named <c>n0</c>, <c>n1</c>, …</summary>
    public static Task SignOptedInAsync(IServiceProvider services, string petitionId, int count) =>
        SignAsync(services, petitionId, Enumerable.Range(0, count).Select(i => ("n" + i.ToString(CultureInfo.InvariantCulture), true, (string?)null, (string?)null)));

    public static (int Shard, string RowKey) KeyOf(IServiceProvider services, string petitionId, string name) =>
        services.GetRequiredService<SignatureStore>().KeyOf(petitionId, Email(petitionId, name));

    public const string Held = AbuseFlags.Honeypot;
}
