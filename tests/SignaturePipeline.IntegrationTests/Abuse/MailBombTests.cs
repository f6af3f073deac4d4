using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Confirmation;
using SignaturePipeline.Intake;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Receipts;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Abuse;

/// <summary>The signing form cannot be used to email anyone, and email never holds up counting.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class MailBombTests(AzuriteFixture azurite)
{
    /// <summary>Sends what the background sender missed, as the timer does, once every fresh row is past the sweep's grace.</summary>
    private static async Task SweepLaterAsync(AbuseHost h)
    {
        h.Clock.Offset += SignerMailer.SweepGrace + TimeSpan.FromMinutes(1);
        await h.Host.Services.GetRequiredService<SignerMailer>().SweepAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_hundred_posts_of_one_address_across_petitions_send_it_no_more_than_its_daily_cap()
    {
        await using var h = await AbuseHost.StartAsync(azurite, new Dictionary<string, string?> { ["Confirmation:MaxEmailsPerAddressPerDay"] = "3" });
        var petitions = new List<string>();
        for (var i = 0; i < 5; i++) petitions.Add(await h.ConfirmingPetitionAsync());
        var receipts = new List<string>();
        for (var i = 0; i < 100; i++)
            receipts.Add(await SignAsync(h.Client, petitions[i % petitions.Count], Signer("victim@example.org")));
        foreach (var receipt in receipts)
            Assert.Equal("pending_confirmation", (await WaitForFinalAsync(h.Client, receipt)).GetProperty("status").GetString());

        await h.WaitForMailAsync("victim@example.org", 3);
        await SweepLaterAsync(h);
        Assert.Equal(3, h.MailFor(receipts).Count);
    }

    [Fact]
    public async Task One_network_gets_no_more_signer_emails_a_day_than_its_cap()
    {
        await using var h = await AbuseHost.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Abuse:TrustForwardedFor"] = "true",
            ["Confirmation:MaxEmailsPerIpPerDay"] = "2",
        });
        var petition = await h.ConfirmingPetitionAsync();
        // A network no other test signs from (documentation range), so no other test's emails share its budget.
        var network = $"198.51.100.{Random.Shared.Next(230, 255)}";
        var receipts = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/petitions/{petition}/signatures") { Content = JsonContent.Create(Signer($"net{i}.{network}@example.org")) };
            request.Headers.Add("X-Forwarded-For", network);
            receipts.Add((await (await h.Client.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("receiptId").GetString()!);
        }
        foreach (var receipt in receipts) await WaitForFinalAsync(h.Client, receipt);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (h.MailFor(receipts).Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(100);
        await SweepLaterAsync(h);
        Assert.Equal(2, h.MailFor(receipts).Count);
    }

    [Fact]
    public async Task Duplicates_of_one_signature_get_one_already_signed_note_a_day()
    {
        await using var h = await AbuseHost.StartAsync(azurite);
        var petition = await h.ConfirmingPetitionAsync();
        for (var i = 0; i < 10; i++) await WaitForFinalAsync(h.Client, await SignAsync(h.Client, petition, Signer("twice@example.org")));
        await h.WaitForMailAsync("twice@example.org", 2);
        await SweepLaterAsync(h);
        Assert.Equal([SignerMailKinds.Confirm, SignerMailKinds.AlreadySigned], h.MailTo("twice@example.org").Select(m => m.Key.Split(':')[0]));

        h.Clock.Offset += ConfirmationOptions.AlreadySignedNoteInterval;
        await WaitForFinalAsync(h.Client, await SignAsync(h.Client, petition, Signer("twice@example.org")));
        await h.WaitForMailAsync("twice@example.org", 3);
    }

    [Fact]
    public async Task A_burst_of_a_thousand_held_signatures_sends_no_email_until_an_organizer_releases_one()
    {
        await using var h = await AbuseHost.StartAsync(azurite);
        var petition = await h.ConfirmingPetitionAsync();
        // Throwaway mailboxes are held; 8 forms post at once.
        var receipts = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, _) => receipts.Add(await SignAsync(h.Client, petition, Signer($"burst{i}@mailinator.com"))));
        var deadline = DateTime.UtcNow.AddSeconds(120);
        JsonElement held;
        while ((held = await h.Admin.GetFromJsonAsync<JsonElement>($"/api/admin/petitions/{petition}/held?limit=1000")).GetArrayLength() < 1000)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{held.GetArrayLength()} of 1000 held so far");
            await Task.Delay(200);
        }
        await SweepLaterAsync(h);
        Assert.Empty(h.MailFor(receipts));
        Assert.Equal(0, await h.CountAsync(petition));

        var id = held[0].GetProperty("id").GetString();
        await h.AdminPostAsync($"/api/admin/petitions/{petition}/held/release", new { ids = new[] { id } });
        var waitUntil = DateTime.UtcNow.AddSeconds(30);
        while (h.MailFor(receipts).Count == 0 && DateTime.UtcNow < waitUntil) await Task.Delay(100);
        var (message, _) = Assert.Single(h.MailFor(receipts));
        Assert.EndsWith("@mailinator.com", message.To.Mailboxes.Single().Address, StringComparison.Ordinal);
        await h.PostTokenAsync(petition, "confirm", AbuseHost.TokenIn(message, "confirm"));
        await h.AdminPostAsync($"/api/admin/petitions/{petition}/held/release", new { ids = new[] { id } });
        await SweepLaterAsync(h);
        Assert.Single(h.MailFor(receipts));
        Assert.Equal(1, await h.CountAsync(petition));
        Assert.Equal(1, (await h.Host.Services.GetRequiredService<SignatureStore>().RecountAsync(petition, CancellationToken.None)).Total);
    }

    [Fact]
    public async Task A_stalled_email_service_does_not_hold_up_counting()
    {
        await using var h = await AbuseHost.StartAsync(azurite);
        var petition = await h.ConfirmingPetitionAsync();
        var (started, release) = h.Mail.Hold();
        var hmac = h.Host.Services.GetRequiredService<Hmac>();
        var processor = h.Host.Services.GetRequiredService<SignatureProcessor>();
        for (var m = 0; m < 3; m++)
        {
            var batch = ReceiptId.NewBatch();
            var message = new SignatureMessage(SignatureMessage.CurrentSchema, Enumerable.Range(0, 5)
                .Select(i => new QueuedSignature(ReceiptId.Create(hmac, batch, i).Value, petition, DateTimeOffset.UtcNow,
                    new SignatureInput { FirstName = "Ana", LastName = "Li", Email = $"stalled{m}.{i}@example.org", PostalCode = "10001", State = "NY" }))
                .ToList());
            // Each message is processed while the email service has not answered a single send.
            await processor.ProcessAsync(message, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        }
        await started.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Empty(h.Mail.Sent);
        release();
        for (var m = 0; m < 3; m++)
            for (var i = 0; i < 5; i++) await h.WaitForMailAsync($"stalled{m}.{i}@example.org");
    }
}
