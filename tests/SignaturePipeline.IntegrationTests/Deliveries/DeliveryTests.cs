using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Deliveries;
using SignaturePipeline.Email;
using SignaturePipeline.Intake;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Petitions;
using SignaturePipeline.Receipts;
using SignaturePipeline.Signatures;
using SignaturePipeline.Timers;

using static SignaturePipeline.IntegrationTests.Deliveries.DeliveryHarness;

namespace SignaturePipeline.IntegrationTests.Deliveries;

/// <summary>
/// Weekly deliveries against a real Azurite (tables and blobs), through the production registration; the files are read
/// back from blob storage and the PDF through poppler's pdftotext. Only the email transport is a recorder.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class DeliveryTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_governor_gets_only_their_state_and_the_President_gets_everyone()
    {
        await using var h = await StartAsync(azurite);
        var id = await h.PetitionAsync(GovernorNy, President);
        await h.SignNamedAsync(id, 3, "NY");
        await h.SignNamedAsync(id, 2, "CA");

        var results = await h.DeliverAsync(id);
        Assert.All(results, r => Assert.Equal(DeliveryOutcome.Delivered, r.Outcome));
        Assert.Equal([("governor-ny", 3L), ("president", 5L)], results.Select(r => (r.TargetId, r.Count)).Order());

        var governor = Assert.Single(h.Emails(id, "target"), e => e.Key.Contains(":governor-ny:", StringComparison.Ordinal)).Message;
        Assert.Equal(["governor-ny@deliveries.example.org"], governor.To.Mailboxes.Select(m => m.Address));
        var nyRows = CsvRows(Attachment(governor, DeliveryFiles.CsvName));
        Assert.Equal(3, nyRows.Count);
        Assert.All(nyRows, r => Assert.Equal("NY", r[3]));

        var president = Assert.Single(h.Emails(id, "target"), e => e.Key.Contains(":president:", StringComparison.Ordinal)).Message;
        var allRows = CsvRows(Attachment(president, DeliveryFiles.CsvName));
        Assert.Equal(5, allRows.Count);
        Assert.Equal(["CA", "CA", "NY", "NY", "NY"], allRows.Select(r => r[3]).Order());

        // The organizers get a copy of each, with the manifest.
        var copies = h.Emails(id, "organizers");
        Assert.Equal(2, copies.Count);
        Assert.All(copies, c => Assert.Equal([$"organizer-{id}@example.org"], c.Message.To.Mailboxes.Select(m => m.Address)));
        Assert.All(copies, c => Assert.Contains(c.Message.Attachments.OfType<MimeKit.MimePart>(), a => a.FileName == DeliveryFiles.ManifestName));

        var governorPdf = await PdfTextAsync(Attachment(governor, DeliveryFiles.PdfName));
        Assert.Contains("Governor of New York", governorPdf, StringComparison.Ordinal);
        Assert.Contains("By ZIP code area", governorPdf, StringComparison.Ordinal);
        Assert.Contains("100xx", governorPdf, StringComparison.Ordinal);
        var presidentPdf = await PdfTextAsync(Attachment(president, DeliveryFiles.PdfName));
        Assert.Contains("California (CA)", presidentPdf, StringComparison.Ordinal);
        // The President's copy shows where signers live on a map of the states (a governor's is one state).
        Assert.Contains("Where signers live", presidentPdf, StringComparison.Ordinal);
        Assert.DoesNotContain("Where signers live", governorPdf, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_held_signature_is_not_delivered_until_an_organizer_releases_it_and_then_once()
    {
        await using var h = await StartAsync(azurite);
        var id = await h.PetitionAsync(President);
        await h.SignNamedAsync(id, 2, "CA");
        // A throwaway mailbox: stored and held for review, out of the count and out of the delivery index.
        var hmac = h.Services.GetRequiredService<Security.Hmac>();
        var batch = ReceiptId.NewBatch();
        var held = new QueuedSignature(ReceiptId.Create(hmac, batch, 0).Value, id, h.Clock.GetUtcNow(),
            Signer("Held", "Back", "CA", email: "burner@mailinator.com"));
        await h.Services.GetRequiredService<SignatureProcessor>().ProcessAsync(
            new SignatureMessage(SignatureMessage.CurrentSchema, [held]).Serialize(), Guid.NewGuid().ToString(), 1, CancellationToken.None);
        h.PassSafetyMargin();

        Assert.Equal((DeliveryOutcome.Delivered, 2L), Assert.Single(await h.DeliverAsync(id)) is var first ? (first.Outcome, first.Count) : default);

        var released = await h.Services.GetRequiredService<SignaturePipeline.Abuse.ReviewHandlers>().ReleaseAsync(id, null, all: true, CancellationToken.None);
        Assert.NotNull(released);
        h.PassSafetyMargin();
        h.Clock.Offset += TimeSpan.FromDays(7);
        var second = Assert.Single(await h.DeliverAsync(id));
        Assert.Equal((DeliveryOutcome.Delivered, 1L), (second.Outcome, second.Count));
        var rows = CsvRows(await h.FileAsync(id, "president", h.Week, DeliveryFiles.CsvName));
        Assert.Equal("Back", Assert.Single(rows)[1]);

        h.Clock.Offset += TimeSpan.FromDays(7);
        Assert.Equal(DeliveryOutcome.NothingNew, Assert.Single(await h.DeliverAsync(id)).Outcome);
    }

    [Fact]
    public async Task A_signer_erased_before_the_delivery_is_not_delivered_and_leaves_no_name_in_the_index()
    {
        await using var h = await StartAsync(azurite);
        var id = await h.PetitionAsync(President);
        await h.SignAsync(id, Signer("Kept", "Signer", "CA"), Signer("Gone", "Erased", "CA", comment: "private words", email: "gone@example.org"));

        await h.Services.GetRequiredService<SignaturePipeline.Privacy.PrivacyHandlers>().EraseAsync(id, "gone@example.org", CancellationToken.None);
        var index = h.Services.GetRequiredService<Azure.Data.Tables.TableServiceClient>().GetTableClient(Storage.TableNames.Signatures);
        var filter = Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey ge {id} and PartitionKey lt {id + "~"} and RowKey ge {SignatureStore.IndexRowPrefix} and RowKey lt {SignatureStore.IndexRowEnd}");
        await foreach (var row in index.QueryAsync<Azure.Data.Tables.TableEntity>(filter))
            Assert.DoesNotContain(IndexedSigner.ReadSigners(row), s => s.LastName == "Erased" || s.Comment.Contains("private", StringComparison.Ordinal));

        var result = Assert.Single(await h.DeliverAsync(id));
        Assert.Equal((DeliveryOutcome.Delivered, 1L), (result.Outcome, result.Count));
        var rows = CsvRows(await h.FileAsync(id, "president", h.Week, DeliveryFiles.CsvName));
        Assert.Equal("Signer", Assert.Single(rows)[1]);
    }

    [Fact]
    public async Task Week_two_holds_only_the_new_signatures_with_correct_cumulative_totals()
    {
        await using var h = await StartAsync(azurite);
        var id = await h.PetitionAsync(GovernorNy);
        await h.SignAsync(id, Signer("Week", "One", city: "Albany"), Signer("Week", "Oneb", city: "Albany"), Signer("Week", "Onec", city: "Albany"));
        var week1 = h.Week;
        Assert.Equal(3, Assert.Single(await h.DeliverAsync(id)).Count);

        // Nothing new since: no empty delivery.
        h.Clock.Offset += TimeSpan.FromDays(7);
        Assert.Equal(DeliveryOutcome.NothingNew, Assert.Single(await h.DeliverAsync(id)).Outcome);

        h.Clock.Offset += TimeSpan.FromDays(7);
        await h.SignAsync(id, Signer("Week", "Three", city: "Buffalo"), Signer("Week", "Threeb", city: "Buffalo"));
        var week3 = h.Week;
        Assert.NotEqual(week1, week3);
        var result = Assert.Single(await h.DeliverAsync(id));
        Assert.Equal((DeliveryOutcome.Delivered, 2L), (result.Outcome, result.Count));

        var rows = CsvRows(await h.FileAsync(id, "governor-ny", week3, DeliveryFiles.CsvName));
        Assert.Equal(["Three", "Threeb"], rows.Select(r => r[1]).Order());
        var manifest = JsonDocument.Parse(await h.FileAsync(id, "governor-ny", week3, DeliveryFiles.ManifestName)).RootElement;
        Assert.Equal(2, manifest.GetProperty("count").GetInt64());
        Assert.Equal(5, manifest.GetProperty("cumulativeCount").GetInt64());
        var pdf = await PdfTextAsync(await h.FileAsync(id, "governor-ny", week3, DeliveryFiles.PdfName));
        Assert.Contains("2 signers", pdf, StringComparison.Ordinal);
        Assert.Contains("5 signers", pdf, StringComparison.Ordinal);

        // Week one's files are untouched, and the list shows both weeks with the watermark between them.
        Assert.Equal(3, CsvRows(await h.FileAsync(id, "governor-ny", week1, DeliveryFiles.CsvName)).Count);
        var list = Assert.IsType<ListDeliveriesResult.Found>(await h.Compiler.ListAsync(id, null, CancellationToken.None)).Deliveries;
        Assert.Equal([week3, week1], list.Select(d => d.Week));
        Assert.Equal(list[1].CountedTo, list[0].CountedFrom);
        Assert.Equal([2L, 3L], list.Select(d => d.Count));
    }

    [Fact]
    public async Task A_rerun_or_a_replayed_timer_sends_nothing_new()
    {
        await using var h = await StartAsync(azurite);
        var id = await h.PetitionAsync(President);
        await h.SignNamedAsync(id, 4, "TX");

        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(await h.DeliverAsync(id)).Outcome);
        // Later the same week, a signature arrives: it waits for next week, and this week's delivery is not sent again.
        await h.SignNamedAsync(id, 1, "IL");
        Assert.Equal(DeliveryOutcome.AlreadyDelivered, Assert.Single(await h.DeliverAsync(id)).Outcome);
        await h.Compiler.RunAsync(CancellationToken.None);

        Assert.Single(h.Emails(id, "target"));
        Assert.Single(h.Emails(id, "organizers"));

        h.Clock.Offset += TimeSpan.FromDays(7);
        var next = Assert.Single(await h.DeliverAsync(id));
        Assert.Equal((DeliveryOutcome.Delivered, 1L), (next.Outcome, next.Count));
        Assert.Equal(2, h.Emails(id, "target").Count);
    }

    [Fact]
    public async Task A_crash_between_compile_and_send_still_ends_in_exactly_one_delivery()
    {
        await using var h = await StartAsync(azurite);
        var id = await h.PetitionAsync(President);
        await h.SignNamedAsync(id, 3, "CA");

        // What a run that died after compiling leaves behind: the record, the files, its claim; no email.
        var store = h.Services.GetRequiredService<DeliveryStore>();
        var feed = h.Services.GetRequiredService<SignerFeed>();
        var petition = (await h.Services.GetRequiredService<PetitionStore>().ReadAsync(id, CancellationToken.None))!;
        var target = petition.Targets[0];
        var now = h.Clock.GetUtcNow();
        var to = (now - TimeSpan.FromMinutes(2)).UtcTicks;
        var tally = await feed.TallyAsync(id, 0, to, null, CancellationToken.None);
        var recorded = await store.TryRecordAsync(id, target, h.Week, null, to, tally, now, CancellationToken.None);
        var claimed = await store.TryClaimAsync(recorded!, "a-run-that-died", now + h.Options.ClaimLease, CancellationToken.None);
        var compiled = await h.Compiler.CompileAsync(petition, claimed!, CancellationToken.None);
        Assert.NotNull(await store.TryUpdateAsync(compiled, CancellationToken.None));

        Assert.Equal(DeliveryOutcome.Busy, Assert.Single(await h.DeliverAsync(id)).Outcome);
        Assert.Empty(h.Emails(id));

        // A failed send after the lease: reported, retried by the next run under the same key, and then sent once.
        h.Clock.Offset += h.Options.ClaimLease + TimeSpan.FromMinutes(1);
        var failures = 1;
        h.Transport.FailWith = key => key.StartsWith($"delivery:{id}:", StringComparison.Ordinal) && Interlocked.Decrement(ref failures) >= 0
            ? new EmailSendException("relay unreachable")
            : null;
        Assert.Equal(DeliveryOutcome.Failed, Assert.Single(await h.DeliverAsync(id)).Outcome);
        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(await h.DeliverAsync(id)).Outcome);
        Assert.Equal(DeliveryOutcome.AlreadyDelivered, Assert.Single(await h.DeliverAsync(id)).Outcome);

        var sent = Assert.Single(h.Emails(id, "target"));
        Assert.Equal($"delivery:{id}:president:{h.Week}:target", sent.Key);
        Assert.Single(h.Emails(id, "organizers"));
        var csv = Attachment(sent.Message, DeliveryFiles.CsvName);
        Assert.Equal(3, CsvRows(csv).Count);
        Assert.Equal(compiled.SignersSha256, HashOfCsv(csv));
    }

    [Fact]
    public async Task A_delivery_whose_run_died_holding_it_is_finished_by_the_sweep_minutes_later_not_next_week()
    {
        await using var h = await StartAsync(azurite);
        var id = await h.PetitionAsync(GovernorNy, President);
        await h.SignNamedAsync(id, 2, "NY");
        await h.SignNamedAsync(id, 1, "TX");

        // What a host killed mid-run leaves: both deliveries recorded, one of them still claimed, no email.
        var store = h.Services.GetRequiredService<DeliveryStore>();
        var petition = (await h.Services.GetRequiredService<PetitionStore>().ReadAsync(id, CancellationToken.None))!;
        var now = h.Clock.GetUtcNow();
        var to = (now - h.Options.SafetyMargin).UtcTicks;
        foreach (var target in petition.Targets)
        {
            var tally = await h.Services.GetRequiredService<SignerFeed>().TallyAsync(id, 0, to, target.State, CancellationToken.None);
            var recorded = await store.TryRecordAsync(id, target, h.Week, null, to, tally, now, CancellationToken.None);
            if (target.Id == "president") await store.TryClaimAsync(recorded!, "a-run-that-died", now + h.Options.ClaimLease, CancellationToken.None);
        }

        await h.Compiler.FinishAsync(CancellationToken.None);
        Assert.Equal(["governor-ny"], h.Emails(id, "target").Select(e => e.Key.Split(':')[2]));

        h.Clock.Offset += h.Options.ClaimLease + TimeSpan.FromSeconds(1);
        await h.Compiler.FinishAsync(CancellationToken.None);
        await h.Compiler.FinishAsync(CancellationToken.None);

        Assert.Equal(["governor-ny", "president"], h.Emails(id, "target").Select(e => e.Key.Split(':')[2]).Order());
        Assert.Equal(2, h.Emails(id, "organizers").Count);
        var records = await store.ListAsync(id, null, CancellationToken.None);
        Assert.All(records, r => Assert.Equal(DeliveryState.Sent, r.State));
        Assert.Equal([("governor-ny", 2L), ("president", 3L)], records.Select(r => (r.TargetId, r.Count)).Order());
        // The sweep records nothing: with a new signature, the week's deliveries are still the recorded ones.
        await h.SignNamedAsync(id, 1, "NY");
        await h.Compiler.FinishAsync(CancellationToken.None);
        Assert.Equal(2, (await store.ListAsync(id, null, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task A_send_that_outlasts_the_lease_keeps_its_claim_so_a_second_run_waits_and_nothing_is_sent_twice()
    {
        await using var h = await StartAsync(azurite, new Dictionary<string, string?> { ["Deliveries:ClaimLeaseSeconds"] = "10" });
        var id = await h.PetitionAsync(President);
        await h.SignNamedAsync(id, 2, "CA");

        var store = h.Services.GetRequiredService<DeliveryStore>();
        var (started, release) = h.Transport.Hold();
        var first = h.DeliverAsync(id);
        await started.WaitAsync(TimeSpan.FromSeconds(60));
        var claimedUntil = Assert.Single(await store.ListAsync(id, null, CancellationToken.None)).ClaimedUntil!.Value;
        // Past the lease the claim had when the send began: only renewals keep the slow run's claim alive now.
        var pastLease = claimedUntil - h.Clock.GetUtcNow() + TimeSpan.FromSeconds(1);
        if (pastLease > TimeSpan.Zero) await Task.Delay(pastLease);
        Assert.True(Assert.Single(await store.ListAsync(id, null, CancellationToken.None)).ClaimedUntil > h.Clock.GetUtcNow(), "the claim was not renewed");
        var second = Assert.Single(await h.DeliverAsync(id));
        Assert.Equal(DeliveryOutcome.Busy, second.Outcome);
        release();

        Assert.Equal(DeliveryOutcome.Delivered, Assert.Single(await first).Outcome);
        Assert.Single(h.Emails(id, "target"));
        Assert.Single(h.Emails(id, "organizers"));
        var record = Assert.Single(await store.ListAsync(id, null, CancellationToken.None));
        Assert.Equal((DeliveryState.Sent, null, 1), (record.State, record.ClaimedBy, record.Attempts));
    }

    [Fact]
    public async Task The_PDF_text_and_the_CSV_rows_match_the_stored_signatures_and_the_manifest_hash()
    {
        await using var h = await StartAsync(azurite);
        var id = await h.PetitionAsync(GovernorNy);
        SignatureInput[] signers =
        [
            Signer("Zoë", "Nuñez", city: "Jackson Heights", comment: "¡Adelante! Familias unidas.", email: "zoe.nunez@gmail.com"),
            Signer("小龙", "李", city: "Flushing", comment: "支持这个请愿", email: "xiaolong.li@example.com"),
            Signer("Алина", "Петрова", city: "Brighton Beach", comment: "Вместе сильнее", email: "alina@example.ru"),
            Signer("Ana", "García", city: "Harlem", comment: "Line one\nline two, with a comma and \"quotes\"", email: "ana.garcia@example.org"),
            Signer("Sam", "O'Neil", city: null, comment: null, email: "sam@example.org"),
        ];
        await h.SignAsync(id, signers);
        Assert.Equal(5, Assert.Single(await h.DeliverAsync(id)).Count);

        var csv = await h.FileAsync(id, "governor-ny", h.Week, DeliveryFiles.CsvName);
        var pdf = await h.FileAsync(id, "governor-ny", h.Week, DeliveryFiles.PdfName);
        var manifest = DeliveryManifest.Parse(Encoding.UTF8.GetString(await h.FileAsync(id, "governor-ny", h.Week, DeliveryFiles.ManifestName)))!;

        // The CSV holds exactly the stored signers, field for field.
        var rows = CsvRows(csv);
        var expected = signers.Select(s => (s.FirstName!, s.LastName!, s.City ?? "", "NY", "10027", s.Comment ?? "")).Order().ToList();
        Assert.Equal(expected, rows.Select(r => (r[0], r[1], r[2], r[3], r[4], r[5])).Order().ToList());
        Assert.All(rows, r => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", r[6]));

        // The manifest: the count, the hash recomputed from the CSV alone, and each file's own hash.
        Assert.Equal(5, manifest.Count);
        Assert.Equal(manifest.SignersSha256, HashOfCsv(csv));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(csv)), manifest.Files.Single(f => f.Name == DeliveryFiles.CsvName).Sha256);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(pdf)), manifest.Files.Single(f => f.Name == DeliveryFiles.PdfName).Sha256);
        Assert.NotNull(manifest.FirstSignedAt);

        // The PDF: the letter, every signer, accents and non-Latin scripts intact, and the fingerprint.
        var text = await PdfTextAsync(pdf);
        Assert.Contains("Gov. Andrew Cuomo, Governor of New York", text, StringComparison.Ordinal);
        Assert.Contains("end New York's S-Comm agreement now", text, StringComparison.Ordinal);
        foreach (var s in signers) Assert.Contains($"{s.FirstName} {s.LastName}", text, StringComparison.Ordinal);
        foreach (var word in new[] { "Zoë Nuñez", "¡Adelante!", "小龙 李", "支持这个请愿", "Алина Петрова", "Вместе сильнее", "Jackson Heights" })
            Assert.Contains(word, text, StringComparison.Ordinal);
        Assert.Contains(manifest.SignersSha256[..32], text, StringComparison.Ordinal);

        // No signer's email address in either file, nor in the emails.
        Assert.DoesNotContain("@", text, StringComparison.Ordinal);
        Assert.DoesNotContain("@", Encoding.UTF8.GetString(csv), StringComparison.Ordinal);
        var manifestText = Encoding.UTF8.GetString(await h.FileAsync(id, "governor-ny", h.Week, DeliveryFiles.ManifestName));
        foreach (var s in signers) Assert.DoesNotContain(s.Email!, manifestText, StringComparison.OrdinalIgnoreCase);
        foreach (var (message, _) in h.Emails(id))
            foreach (var s in signers)
            {
                Assert.DoesNotContain(s.Email!, message.TextBody, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(s.Email!, message.HtmlBody, StringComparison.OrdinalIgnoreCase);
            }
    }

    [Fact]
    public async Task A_formula_in_a_name_city_or_comment_is_inert_in_the_CSV()
    {
        await using var h = await StartAsync(azurite);
        var id = await h.PetitionAsync(GovernorNy);
        // Intake refuses a name or city that starts like a formula; a row written by an older version, or by hand, might not.
        await h.SeedRowAsync(id, "=HYPERLINK(\"http://evil.example\",\"Click\")", "+Plus", "=1+2", "@SUM(A1:A9)");
        await h.SignAsync(id, Signer("Dana", "Minus", comment: "-2+3 is a formula to a spreadsheet"), Signer("Eli", "Quote", comment: "'=already quoted"));
        Assert.Equal(3, Assert.Single(await h.DeliverAsync(id)).Count);

        var csv = await h.FileAsync(id, "governor-ny", h.Week, DeliveryFiles.CsvName);
        var text = Encoding.UTF8.GetString(csv);
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\"", text, StringComparison.Ordinal);
        var rows = CsvRows(csv);
        // No cell starts with a character a spreadsheet would evaluate.
        Assert.All(rows.SelectMany(r => r), cell => Assert.False(cell.Length > 0 && "=+-@\t\r|%".Contains(cell[0], StringComparison.Ordinal), cell));
        // And the escape is exactly reversible: the hash over the unescaped cells is the manifest's.
        var values = rows.SelectMany(r => r).Select(SignerList.Unescape).ToList();
        Assert.Contains("=HYPERLINK(\"http://evil.example\",\"Click\")", values);
        Assert.Contains("=1+2", values);
        Assert.Contains("'=already quoted", values);
        var manifest = DeliveryManifest.Parse(Encoding.UTF8.GetString(await h.FileAsync(id, "governor-ny", h.Week, DeliveryFiles.ManifestName)))!;
        Assert.Equal(manifest.SignersSha256, HashOfCsv(csv));
    }

    [Fact]
    public async Task A_script_tag_in_a_name_or_comment_is_inert_in_the_HTML_email()
    {
        await using var h = await StartAsync(azurite);
        var id = await h.PetitionAsync(GovernorNy);
        await h.SeedRowAsync(id, "<script>alert('name')</script>", "Doe", "Albany", "<img src=x onerror=alert(1)>");
        await h.SignAsync(id, Signer("Ray", "Smith", comment: "<script>alert('comment')</script> & more"));
        await h.DeliverAsync(id);

        var (message, _) = Assert.Single(h.Emails(id, "target"));
        Assert.DoesNotContain("<script", message.HtmlBody, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", message.HtmlBody, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(&#39;comment&#39;)&lt;/script&gt; &amp; more", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; D.", message.HtmlBody, StringComparison.Ordinal);
        // The plain-text body keeps the words as written.
        Assert.Contains("<script>alert('comment')</script> & more", message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_admin_routes_deliver_now_and_list_past_deliveries_and_the_timer_runs_on_demand()
    {
        var transport = new RecordingEmailTransport();
        await using var host = await azurite.StartHostAsync(configure: s => s.AddSingleton<IEmailTransport>(transport));
        using var admin = host.CreateClient(AzuriteFixture.AdminKey);
        var id = AzuriteFixture.NewPetitionId("dl");
        (await admin.PutAsJsonAsync($"/api/admin/petitions/{id}", AzuriteFixture.Definition("Route test", "open", GovernorNy, President))).EnsureSuccessStatusCode();
        // Signed "three minutes ago", as far as the safety margin is concerned: written with the store's own format.
        var store = host.Services.GetRequiredService<SignatureStore>();
        var tables = host.Services.GetRequiredService<Azure.Data.Tables.TableServiceClient>().GetTableClient(Storage.TableNames.Signatures);
        var (shard, rowKey) = store.KeyOf(id, "route@example.org");
        var past = DateTimeOffset.UtcNow.AddMinutes(-3);
        var valid = new ValidSignature("Route", "Tester", "route@example.org", "route@example.org", "10027", "NY", "Harlem", "US", null, false);
        await tables.SubmitTransactionAsync(SignatureStore.RowsOf(SignatureStore.PartitionKeyOf(id, shard),
            [new SignatureStore.Pending("r", valid, past, shard, rowKey)], past)
            .Select(e => new Azure.Data.Tables.TableTransactionAction(Azure.Data.Tables.TableTransactionActionType.Add, e)));

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient().PostAsync($"/api/admin/petitions/{id}/deliveries", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync($"/api/admin/petitions/{id}/deliveries?target=governor-ca", null)).StatusCode);

        var now = await admin.PostAsync($"/api/admin/petitions/{id}/deliveries?target=governor-ny", null);
        Assert.Equal(HttpStatusCode.OK, now.StatusCode);
        var outcome = (await now.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("targets")[0];
        Assert.Equal(("governor-ny", "delivered", 1), (outcome.GetProperty("targetId").GetString(), outcome.GetProperty("outcome").GetString(), outcome.GetProperty("count").GetInt32()));

        // The timer, run now as on the Functions host: the President's delivery goes out; the governor's is not repeated.
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"/admin/functions/{PipelineTimers.CompileWeeklyDeliveries}", null)).StatusCode);
        Assert.Equal(2, transport.Sent.Count(s => s.Key.StartsWith($"delivery:{id}:", StringComparison.Ordinal) && s.Key.Contains(":target", StringComparison.Ordinal)));

        var list = await admin.GetFromJsonAsync<JsonElement>($"/api/admin/petitions/{id}/deliveries");
        var deliveries = list.GetProperty("deliveries").EnumerateArray().ToList();
        Assert.Equal(["governor-ny", "president"], deliveries.Select(d => d.GetProperty("targetId").GetString()).Order());
        Assert.All(deliveries, d => Assert.Equal("sent", d.GetProperty("status").GetString()));
        Assert.All(deliveries, d => Assert.Equal(64, d.GetProperty("manifest").GetProperty("signersSha256").GetString()!.Length));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/admin/petitions/no-such-petition/deliveries")).StatusCode);
    }
}
