using Microsoft.AspNetCore.Http;
using SignaturePipeline.Receipts;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.Web.Receipts;

/// <summary><c>GET /api/receipts/{receiptId}</c>: pending until the processor writes the final state.</summary>
public sealed class ReceiptEndpoints(ReceiptStore receipts)
{
    public sealed record ReceiptBody(string Status, string? Reason, string? Field, string? Message, long? SupporterNumber);

    public async Task<IResult> GetAsync(HttpRequest request, string receiptId, CancellationToken ct)
    {
        Cors.AllowAnyOrigin(request.HttpContext);
        var receipt = await receipts.GetAsync(receiptId, ct).ConfigureAwait(false);
        if (receipt is null)
            return Problems.Create(StatusCodes.Status404NotFound, "receipt_not_found", "Receipt not found", "No signature was accepted with this receipt.");
        // A pending receipt changes within seconds; a final one never does.
        request.HttpContext.Response.Headers.CacheControl = receipt.Status is ReceiptStatus.Pending or ReceiptStatus.PendingConfirmation ? "no-store" : "public, max-age=3600";
        return Results.Json(new ReceiptBody(ReceiptStatusNames.Of(receipt.Status), receipt.Reason, receipt.Field, receipt.Message, receipt.SupporterNumber), Json.Options);
    }
}
