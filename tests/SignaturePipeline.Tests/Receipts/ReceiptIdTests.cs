using Microsoft.Extensions.Options;
using SignaturePipeline.Receipts;
using SignaturePipeline.Security;

namespace SignaturePipeline.Tests.Receipts;

public sealed class ReceiptIdTests
{
    private static readonly Hmac Key = new(Options.Create(new PipelineOptions { SecretKey = "unit-test-secret-key-123" }), TimeProvider.System);

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
        var other = new Hmac(Options.Create(new PipelineOptions { SecretKey = "another-deployment-key" }), TimeProvider.System);
        Assert.False(ReceiptId.TryParse(Key, ReceiptId.Create(other, ReceiptId.NewBatch(), 0).Value, out _));
    }

    [Fact]
    public void A_receipt_ids_secret_part_is_at_least_96_bits_so_a_neighbours_receipt_cannot_be_guessed()
    {
        var batch = ReceiptId.NewBatch();
        var mine = ReceiptId.Create(Key, batch, 3).Value;
        var neighbour = ReceiptId.Create(Key, batch, 4).Value;
        // Batch and index are shared or predictable; what differs beyond them is the tag, in hex.
        var tag = mine[(32 + 3)..];
        Assert.True(tag.Length * 4 >= 96, $"{tag.Length * 4}-bit tag");
        Assert.Equal(ReceiptId.Length, mine.Length);
        Assert.NotEqual(tag, neighbour[(32 + 3)..]);
    }
}
