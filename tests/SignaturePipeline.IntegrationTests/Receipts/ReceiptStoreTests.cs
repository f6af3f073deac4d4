using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Receipts;
using SignaturePipeline.Security;
using SignaturePipeline.Storage;

namespace SignaturePipeline.IntegrationTests.Receipts;

/// <summary>Receipt rows against real Azurite: written together by concurrent messages, merged on a retry, read back one by one.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class ReceiptStoreTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private ServiceProvider _services = null!;
    private ReceiptStore Store => _services.GetRequiredService<ReceiptStore>();
    private Hmac Hmac => _services.GetRequiredService<Hmac>();

    public async Task InitializeAsync() => _services = await azurite.BuildServicesAsync();

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private List<Receipt> Counted(string batch, int count, long firstNumber) =>
        Enumerable.Range(0, count).Select(i => new Receipt(ReceiptId.Create(Hmac, batch, i).Value, "p", ReceiptStatus.Counted, SupporterNumber: firstNumber + i, State: "NY")).ToList();

    [Fact]
    public async Task Receipts_of_many_messages_written_at_once_all_read_back_with_their_own_numbers()
    {
        // 250 messages at once: more rows than one transaction holds, all in the same partition window.
        var batches = Enumerable.Range(0, 250).Select(_ => ReceiptId.NewBatch()).ToList();
        await Task.WhenAll(batches.Select((b, m) => Store.WriteAsync(Counted(b, 3, m * 10L), CancellationToken.None)));

        for (var m = 0; m < batches.Count; m += 17)
            for (var i = 0; i < 3; i++)
            {
                var receipt = await Store.GetAsync(ReceiptId.Create(Hmac, batches[m], i).Value, CancellationToken.None);
                Assert.Equal((ReceiptStatus.Counted, m * 10L + i), (receipt!.Status, receipt.SupporterNumber));
            }
    }

    [Fact]
    public async Task A_message_processed_twice_at_once_merges_into_one_row_and_keeps_every_receipt()
    {
        var batch = ReceiptId.NewBatch();
        var first = Counted(batch, 2, 1);
        var second = new List<Receipt>
        {
            first[1] with { Status = ReceiptStatus.Duplicate, SupporterNumber = null, Reason = "duplicate" },
            new(ReceiptId.Create(Hmac, batch, 2).Value, "p", ReceiptStatus.Rejected, "email_invalid", "email", "Enter a valid email address."),
        };
        await Task.WhenAll(Store.WriteAsync(first, CancellationToken.None), Store.WriteAsync(second, CancellationToken.None));

        var statuses = new List<ReceiptStatus>();
        for (var i = 0; i < 3; i++) statuses.Add((await Store.GetAsync(ReceiptId.Create(Hmac, batch, i).Value, CancellationToken.None))!.Status);
        Assert.Equal(ReceiptStatus.Counted, statuses[0]);
        Assert.Contains(statuses[1], new[] { ReceiptStatus.Counted, ReceiptStatus.Duplicate }); // whichever write came last
        Assert.Equal(ReceiptStatus.Rejected, statuses[2]);

        // A later write of one receipt (a retry) replaces only that receipt.
        await Store.WriteAsync([first[1]], CancellationToken.None);
        Assert.Equal(ReceiptStatus.Counted, (await Store.GetAsync(first[1].ReceiptId, CancellationToken.None))!.Status);
        Assert.Equal(ReceiptStatus.Rejected, (await Store.GetAsync(second[1].ReceiptId, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task Rejections_and_duplicates_are_counted_by_reason_once_however_often_a_message_is_processed()
    {
        var petition = AzuriteFixture.NewPetitionId("o");
        var batch = ReceiptId.NewBatch();
        var outcomes = new List<Receipt>
        {
            new(ReceiptId.Create(Hmac, batch, 0).Value, petition, ReceiptStatus.Rejected, "email_invalid", "email", "Enter a valid email address."),
            new(ReceiptId.Create(Hmac, batch, 1).Value, petition, ReceiptStatus.Rejected, "email_invalid", "email", "Enter a valid email address."),
            new(ReceiptId.Create(Hmac, batch, 2).Value, petition, ReceiptStatus.Rejected, "postal_code_invalid", "postalCode", "Enter a ZIP code."),
            new(ReceiptId.Create(Hmac, batch, 3).Value, petition, ReceiptStatus.Duplicate),
        };
        // The same message three times, two of them at once (an expired lease), and once more later.
        await Task.WhenAll(Store.WriteAsync(outcomes, CancellationToken.None), Store.WriteAsync(outcomes, CancellationToken.None));
        await Store.WriteAsync(outcomes, CancellationToken.None);

        var counts = await Store.CountOutcomesAsync(petition, CancellationToken.None);
        Assert.Equal(
            [("duplicate", "duplicate", 1L), ("rejected", "email_invalid", 2L), ("rejected", "postal_code_invalid", 1L)],
            counts.OrderBy(c => c.Status, StringComparer.Ordinal).ThenBy(c => c.Reason, StringComparer.Ordinal));
        // The list organizers read is unchanged by the counter row beside it.
        var listed = new List<Receipt>();
        await foreach (var r in Store.ListOutcomesAsync(petition, ReceiptStatus.Rejected, CancellationToken.None)) listed.Add(r);
        Assert.Equal(3, listed.Count);
    }

    [Fact]
    public async Task A_receipt_not_written_yet_is_pending()
    {
        var receipt = await Store.GetAsync(ReceiptId.Create(Hmac, ReceiptId.NewBatch(), 0).Value, CancellationToken.None);
        Assert.Equal(ReceiptStatus.Pending, receipt!.Status);
    }
}
