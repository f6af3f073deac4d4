using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SignaturePipeline.Intake;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.LocalHost.Azurite;
using SignaturePipeline.Petitions;
using SignaturePipeline.Receipts;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;
using SignaturePipeline.Storage;

namespace SignaturePipeline.IntegrationTests.Intake;

/// <summary>The queue function on its own, through the production registration, against real Azurite.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class ProcessorTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private ServiceProvider _services = null!;
    private SignatureProcessor Processor => _services.GetRequiredService<SignatureProcessor>();
    private SignatureStore Store => _services.GetRequiredService<SignatureStore>();
    private ReceiptStore Receipts => _services.GetRequiredService<ReceiptStore>();

    public async Task InitializeAsync() => _services = await azurite.BuildServicesAsync();

    public async Task DisposeAsync() => await _services.DisposeAsync();

    private async Task<string> NewPetitionAsync(string status = "open")
    {
        var id = AzuriteFixture.NewPetitionId();
        var result = await _services.GetRequiredService<PetitionHandlers>().SaveAsync(id, AzuriteFixture.Definition(status: status), CancellationToken.None);
        Assert.IsType<SavePetitionResult.Saved>(result);
        return id;
    }

    private SignatureMessage Message(string petitionId, params SignatureInput[] signatures)
    {
        var hmac = _services.GetRequiredService<Hmac>();
        var batch = ReceiptId.NewBatch();
        return new SignatureMessage(SignatureMessage.CurrentSchema,
            signatures.Select((s, i) => new QueuedSignature(ReceiptId.Create(hmac, batch, i).Value, petitionId, DateTimeOffset.UtcNow, s)).ToList());
    }

    private static SignatureInput Signer(string email, string state = "NY", string zip = "10001") => new()
    {
        FirstName = "Ana", LastName = "Li", Email = email, PostalCode = zip, State = state,
    };

    [Fact]
    public async Task The_same_message_processed_twice_is_counted_once()
    {
        var petition = await NewPetitionAsync();
        var message = Message(petition, Signer("a@example.org"), Signer("b@example.org", "CA", "90210"));
        var text = message.Serialize();

        var first = await Processor.ProcessAsync(text, "m1", 1, CancellationToken.None);
        var second = await Processor.ProcessAsync(text, "m1", 2, CancellationToken.None);

        Assert.Equal(2, first.Counted);
        Assert.Equal(2, second.Counted); // the retry recognises its own rows: still counted, not duplicate
        Assert.Equal(2, (await Store.GetCountsAsync(petition, CancellationToken.None)).Total);
        Assert.Equal(2, (await Store.RecountAsync(petition, CancellationToken.None)).Total);
        foreach (var item in message.Items)
            Assert.Equal(ReceiptStatus.Counted, (await Receipts.GetAsync(item.ReceiptId, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task A_signer_without_city_or_comment_is_stored_without_empty_columns_and_reads_back_whole()
    {
        var petition = await NewPetitionAsync();
        var withCity = Signer("c@example.org") with { City = "Brooklyn", Comment = "Families belong together." };
        await Processor.ProcessAsync(Message(petition, Signer("a@example.org"), withCity), CancellationToken.None);

        var rows = await Store.QueryRowsAsync(petition, CancellationToken.None).ToListAsync();
        var bare = rows.Single(r => r.Entity.GetString("Email") == "a@example.org").Entity;
        Assert.DoesNotContain("City", bare.Keys);
        Assert.DoesNotContain("Comment", bare.Keys);
        Assert.DoesNotContain("Flag", bare.Keys);
        Assert.Null(bare.GetString("City"));
        Assert.Equal("Li", bare.GetString("LastName"));
        var full = rows.Single(r => r.Entity.GetString("Email") == "c@example.org").Entity;
        Assert.Equal("Brooklyn", full.GetString("City"));
        Assert.Equal("Families belong together.", full.GetString("Comment"));
        Assert.Equal(2, (await Store.RecountAsync(petition, CancellationToken.None)).Total);
    }

    [Fact]
    public async Task Each_landed_transaction_is_reported_with_its_operations_in_the_pipeline_metrics()
    {
        var petition = await NewPetitionAsync();
        var measured = new List<(int Operations, string? Table)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument == SignaturePipeline.Storage.PipelineMetrics.OperationsPerTransaction) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<int>((_, value, tags, _) =>
        {
            string? table = null;
            foreach (var tag in tags) if (tag.Key == SignaturePipeline.Storage.PipelineMetrics.TableTag) table = tag.Value as string;
            // Other tests run at the same time: keep only this petition's shards, told apart by the row count below.
            lock (measured) measured.Add((value, table));
        });
        listener.Start();

        // One shard's worth: every signer of one message lands in one transaction per shard, with its counter and index row.
        var signers = Enumerable.Range(0, 5).Select(i => Signer($"metrics{i}@example.org")).ToArray();
        await Processor.ProcessAsync(Message(petition, signers), CancellationToken.None);
        listener.Dispose();

        var shards = signers.Select(s => Store.KeyOf(petition, s.Email!).Shard).Distinct().Count();
        lock (measured)
        {
            Assert.Contains(measured, m => m.Table == TableNames.Signatures);
            Assert.Contains(measured, m => m.Table == TableNames.Receipts);
            // At least this message's signature transactions: 5 rows plus a counter and an index row per shard.
            Assert.True(measured.Where(m => m.Table == TableNames.Signatures).Sum(m => m.Operations) >= signers.Length + 2 * shards);
        }
    }

    [Fact]
    public async Task A_crash_after_the_commit_and_before_the_receipts_ends_counted_once_on_retry()
    {
        var petition = await NewPetitionAsync();
        var message = Message(petition, Signer("crash@example.org"));
        var item = message.Items[0];
        SignatureRules.Validate(item.Signature, out var valid);
        var (shard, rowKey) = Store.KeyOf(petition, valid!.CanonicalEmail);
        // The first attempt got as far as the transaction, then the process died.
        await Store.CommitShardAsync(petition, shard, [new SignatureStore.Pending(item.ReceiptId, valid, item.ReceivedAt, shard, rowKey)], CancellationToken.None);
        Assert.Equal(ReceiptStatus.Pending, (await Receipts.GetAsync(item.ReceiptId, CancellationToken.None))!.Status);

        await Processor.ProcessAsync(message.Serialize(), "m2", 2, CancellationToken.None);

        Assert.Equal(ReceiptStatus.Counted, (await Receipts.GetAsync(item.ReceiptId, CancellationToken.None))!.Status);
        Assert.Equal(1, (await Store.GetCountsAsync(petition, CancellationToken.None)).Total);
    }

    [Fact]
    public async Task Two_processors_racing_on_one_shard_keep_the_counter_exact()
    {
        var petition = await NewPetitionAsync();
        var messages = Enumerable.Range(0, 8)
            .Select(m => Message(petition, Enumerable.Range(0, 25).Select(i => Signer($"p{m}-{i}@example.org")).ToArray()))
            .ToList();
        // Separate registrations: separate counter caches, as two Function instances would have.
        await using var other = await azurite.BuildServicesAsync();
        var processors = new[] { Processor, other.GetRequiredService<SignatureProcessor>() };
        await Task.WhenAll(messages.Select((m, i) => processors[i % 2].ProcessAsync(m.Serialize(), $"race{i}", 1, CancellationToken.None)));

        var counts = await Store.GetCountsAsync(petition, CancellationToken.None);
        Assert.Equal(200, counts.Total);
        Assert.Equal(200, (await Store.RecountAsync(petition, CancellationToken.None)).Total);
    }

    [Fact]
    public async Task Two_signatures_of_one_person_in_one_message_count_once()
    {
        var petition = await NewPetitionAsync();
        var message = Message(petition, Signer("twin@gmail.com"), Signer("t.w.i.n@gmail.com"));
        var summary = await Processor.ProcessAsync(message.Serialize(), "m3", 1, CancellationToken.None);
        Assert.Equal((1, 1), (summary.Counted, summary.Duplicates));
    }

    [Fact]
    public async Task Canonicalisation_rules_from_settings_decide_what_counts_as_one_person()
    {
        await using var services = await azurite.BuildServicesAsync(new Dictionary<string, string?>
        {
            ["Abuse:DomainAliases"] = "alumni.example.edu=example.edu",
            ["Abuse:PlusTagDomains"] = "example.edu",
        });
        var id = AzuriteFixture.NewPetitionId();
        await services.GetRequiredService<PetitionHandlers>().SaveAsync(id, AzuriteFixture.Definition(), CancellationToken.None);
        var hmac = services.GetRequiredService<Hmac>();
        var batch = ReceiptId.NewBatch();
        var message = new SignatureMessage(SignatureMessage.CurrentSchema,
            new[] { Signer("ana@example.edu"), Signer("ana+petition@alumni.example.edu") }
                .Select((s, i) => new QueuedSignature(ReceiptId.Create(hmac, batch, i).Value, id, DateTimeOffset.UtcNow, s)).ToList());
        var summary = await services.GetRequiredService<SignatureProcessor>().ProcessAsync(message.Serialize(), "rules", 1, CancellationToken.None);
        Assert.Equal((1, 1), (summary.Counted, summary.Duplicates));
    }

    [Fact]
    public async Task A_petition_closed_after_intake_rejects_with_a_recorded_reason()
    {
        var petition = await NewPetitionAsync(status: "closed");
        var message = Message(petition, Signer("late@example.org"));
        await Processor.ProcessAsync(message.Serialize(), "m4", 1, CancellationToken.None);
        var receipt = await Receipts.GetAsync(message.Items[0].ReceiptId, CancellationToken.None);
        Assert.Equal((ReceiptStatus.Rejected, "petition_closed"), (receipt!.Status, receipt.Reason));
    }

    [Fact]
    public async Task An_unknown_petition_rejects_with_a_recorded_reason()
    {
        var message = Message("no-such-petition", Signer("x@example.org"));
        await Processor.ProcessAsync(message.Serialize(), "m5", 1, CancellationToken.None);
        Assert.Equal("petition_not_found", (await Receipts.GetAsync(message.Items[0].ReceiptId, CancellationToken.None))!.Reason);
    }

    [Fact]
    public async Task A_message_that_fails_on_its_last_try_marks_its_receipts_poisoned_with_the_reason()
    {
        var petition = await NewPetitionAsync();
        var message = Message(petition, Signer("poison@example.org"));
        // A schema this version does not know: no retry can fix it, so the fifth try is the last.
        var text = message.Serialize().Replace("\"schema\":1", "\"schema\":99", StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidMessageException>(() => Processor.ProcessAsync(text, "m6", 5, CancellationToken.None));

        var failures = _services.GetRequiredService<TableServiceClient>().GetTableClient(TableNames.Failures);
        var failure = (await failures.GetEntityAsync<TableEntity>("m6", "failure")).Value;
        Assert.Equal("unknown_schema", failure.GetString("Reason"));
        Assert.True(failure.GetBoolean("Poisoned"));
    }

    [Fact]
    public async Task A_message_whose_last_try_meets_a_storage_outage_is_recorded_as_poisoned_once_storage_is_back_with_a_fixed_message()
    {
        // Storage of its own, to take down: the host moves a message to poison after its fifth try whether or not that
        // try could write anything, so the fifth try must not give up on recording it while storage is away.
        var (blob, queue, table) = (AzuriteProcess.FreePort(), AzuriteProcess.FreePort(), AzuriteProcess.FreePort());
        var storage = await AzuriteProcess.StartAsync(AzuriteFixture.RepositoryRoot, null, blob, queue, table);
        var logs = new LogCapture();
        try
        {
            await using var services = await azurite.BuildServicesAsync(
                new Dictionary<string, string?> { ["AzureWebJobsStorage"] = storage.ConnectionString },
                s => s.AddLogging(b => b.AddProvider(logs)));
            var id = AzuriteFixture.NewPetitionId();
            await services.GetRequiredService<PetitionHandlers>().SaveAsync(id, AzuriteFixture.Definition(), CancellationToken.None);
            var hmac = services.GetRequiredService<Hmac>();
            var batch = ReceiptId.NewBatch();
            var message = new SignatureMessage(SignatureMessage.CurrentSchema,
                [new QueuedSignature(ReceiptId.Create(hmac, batch, 0).Value, id, DateTimeOffset.UtcNow, Signer("outage@example.org"))]);

            await storage.DisposeAsync();
            var processing = services.GetRequiredService<SignatureProcessor>().ProcessAsync(message.Serialize(), "m-outage", 5, CancellationToken.None);
            await logs.WaitForAsync(l => l.Contains("Could not record the failure of message m-outage", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            storage = await AzuriteProcess.StartAsync(AzuriteFixture.RepositoryRoot, null, blob, queue, table);
            await AzuriteFixture.InitializeStorageAsync(services); // this Azurite kept nothing: its tables again

            await Assert.ThrowsAnyAsync<Exception>(() => processing.WaitAsync(SignatureProcessor.LastTryRecordPatience));
            var failures = services.GetRequiredService<TableServiceClient>().GetTableClient(TableNames.Failures);
            var failure = (await failures.GetEntityAsync<TableEntity>("m-outage", "failure")).Value;
            Assert.True(failure.GetBoolean("Poisoned"));
            Assert.Equal("processing_failed", failure.GetString("Reason"));
            var receipt = await services.GetRequiredService<ReceiptStore>().GetAsync(message.Items[0].ReceiptId, CancellationToken.None);
            Assert.Equal(ReceiptStatus.Poisoned, receipt!.Status);
            // The signer sees the code and a fixed sentence; the error (here the refused connection) stays with operators.
            Assert.Equal(("processing_failed", SignatureProcessor.PoisonedMessage), (receipt.Reason, receipt.Message));
            Assert.False(string.IsNullOrEmpty(failure.GetString("Detail")));
            Assert.NotEqual(failure.GetString("Detail"), receipt.Message);
        }
        finally
        {
            await storage.DisposeAsync();
        }
    }

    [Fact]
    public async Task Every_rule_broken_in_a_queued_message_is_recorded_as_its_reason_and_nothing_is_counted()
    {
        var petition = await NewPetitionAsync();
        var cases = new (SignatureInput Input, string Reason)[]
        {
            (Signer("a@example.org") with { FirstName = "" }, ReasonCodes.NameRequired),
            (Signer("b@example.org") with { LastName = new string('x', 101) }, ReasonCodes.NameTooLong),
            (Signer("c@example.org") with { FirstName = "https://spam.example" }, ReasonCodes.NameContainsUrl),
            (Signer("d@example.org") with { FirstName = "<script>" }, ReasonCodes.NameContainsMarkup),
            (Signer("e@example.org") with { LastName = "=SUM(A1)" }, ReasonCodes.NameFormulaPrefix),
            (Signer("not-an-email"), ReasonCodes.EmailInvalid),
            (Signer("f@example.org", "NY", "1234"), ReasonCodes.PostalCodeInvalid),
            (Signer("g@example.org", "NY", "90210"), ReasonCodes.PostalCodeStateMismatch),
            (Signer("h@example.org", "ZZ"), ReasonCodes.StateInvalid),
            (Signer("i@example.org") with { Comment = new string('c', 1001) }, ReasonCodes.CommentTooLong),
            (Signer("j@example.org") with { Country = "MX" }, ReasonCodes.CountryUnsupported),
        };
        var message = Message(petition, cases.Select(c => c.Input).ToArray());
        var summary = await Processor.ProcessAsync(message.Serialize(), "m7", 1, CancellationToken.None);

        Assert.Equal(cases.Length, summary.Rejected);
        for (var i = 0; i < cases.Length; i++)
            Assert.Equal(cases[i].Reason, (await Receipts.GetAsync(message.Items[i].ReceiptId, CancellationToken.None))!.Reason);
        Assert.Equal(0, (await Store.RecountAsync(petition, CancellationToken.None)).Total);
        var listed = new List<Receipt>();
        await foreach (var r in Receipts.ListOutcomesAsync(petition, ReceiptStatus.Rejected, CancellationToken.None)) listed.Add(r);
        Assert.Equal(cases.Length, listed.Count);
    }

    [Fact]
    public async Task A_poison_message_lands_in_the_poison_queue_after_five_tries_with_its_reason()
    {
        await using var host = await azurite.StartHostAsync();
        var queues = host.Services.GetRequiredService<QueueServiceClient>();
        var poison = queues.GetQueueClient(QueueNames.SignaturesPoison);
        var sent = await queues.GetQueueClient(QueueNames.Signatures).SendMessageAsync("{ this is not json");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        string? found = null;
        while (found is null && DateTime.UtcNow < deadline)
        {
            foreach (var peeked in (await poison.PeekMessagesAsync(32)).Value)
                if (peeked.MessageText == "{ this is not json") found = peeked.MessageId;
            if (found is null) await Task.Delay(200);
        }
        Assert.NotNull(found);
        var failures = host.Services.GetRequiredService<TableServiceClient>().GetTableClient(TableNames.Failures);
        var failure = (await failures.GetEntityAsync<TableEntity>(sent.Value.MessageId, "failure")).Value;
        Assert.Equal("malformed_message", failure.GetString("Reason"));
        Assert.Equal(5, failure.GetInt64("DequeueCount"));
    }
}
