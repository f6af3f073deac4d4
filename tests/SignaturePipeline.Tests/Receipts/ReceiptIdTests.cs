using Microsoft.Extensions.Options;
using SignaturePipeline.Receipts;
using SignaturePipeline.Security;

namespace SignaturePipeline.Tests.Receipts;

public sealed class ReceiptIdTests
{
    private static readonly Hmac Key = new(Options.Create(new PipelineOptions { SecretKey = "unit-test-secret-key-123" }));

    [Fact]
    public void A_receipt_id_names_its_batch_and_index()
    {
        var batch = ReceiptId.NewBatch();
        var id = ReceiptId.Create(Key, batch, 17);
        Assert.True(ReceiptId.TryParse(Key, id.Value, out var parsed));
        Assert.Equal((batch, 17), (parsed!.Value.Batch, parsed.Value.Index));
    }

    [Fact]
    public void A_receipt_id_with_a_changed_character_is_not_recognised()
    {
        var id = ReceiptId.Create(Key, ReceiptId.NewBatch(), 0).Value;
        var tampered = (id[0] == 'a' ? 'b' : 'a') + id[1..];
        Assert.False(ReceiptId.TryParse(Key, tampered, out _));
    }

    [Fact]
    public void A_receipt_id_from_another_deployment_is_not_recognised()
    {
        var other = new Hmac(Options.Create(new PipelineOptions { SecretKey = "another-deployment-key" }));
        Assert.False(ReceiptId.TryParse(Key, ReceiptId.Create(other, ReceiptId.NewBatch(), 0).Value, out _));
    }
}
