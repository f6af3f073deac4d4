using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Petitions;
using SignaturePipeline.Privacy;
using SignaturePipeline.Signatures;
using SignaturePipeline.Webhooks;

namespace SignaturePipeline.IntegrationTests.Webhooks;

/// <summary>
/// Webhooks end to end against Azurite and a real HTTP receiver on loopback: signatures counted by the queue processor,
/// events derived by the dispatcher, sent by the queue function's handler. No request leaves 127.0.0.1.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class WebhookDeliveryTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_counted_signature_reaches_the_receiver_signed_and_with_the_email_only_of_a_signer_who_opted_in()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = await WebhookHarness.StartAsync(azurite);
        var id = await harness.PetitionAsync(receiver.Url, headers: new() { ["OSDI-API-Token"] = "token-value" });
        await harness.SignAsync(id, 2, optedIn: 1);

        var summary = await harness.DispatchAsync();
        Assert.True(summary.Events >= 2);
        await harness.PumpUntilAsync(() => receiver.Store.Count >= 2);

        Assert.Equal(2, receiver.Requests.Count);
        var bodies = new List<JsonElement>();
        foreach (var request in receiver.Requests)
        {
            Assert.True(WebhookHarness.Verifies(WebhookHarness.Secret, request, TimeSpan.FromMinutes(5)));
            Assert.False(WebhookHarness.Verifies("another-secret-0123456789", request, TimeSpan.FromMinutes(5)));
            Assert.Equal(WebhookEvents.SignatureCounted, request.Event);
            Assert.Equal("token-value", request.Headers["OSDI-API-Token"].ToString());
            var body = JsonDocument.Parse(request.Body).RootElement;
            Assert.Equal(request.Delivery, body.GetProperty("id").GetString());
            Assert.Equal(id, body.GetProperty("petitionId").GetString());
            bodies.Add(body.GetProperty("data"));
        }
        var optedIn = Assert.Single(bodies, b => b.GetProperty("lastName").GetString() == "Number1");
        Assert.Equal(WebhookHarness.EmailOf(id, 1), optedIn.GetProperty("email").GetString());
        Assert.True(optedIn.GetProperty("optIn").GetBoolean());
        var notOptedIn = Assert.Single(bodies, b => b.GetProperty("lastName").GetString() == "Number0");
        Assert.False(notOptedIn.TryGetProperty("email", out _));
        Assert.False(notOptedIn.GetProperty("optIn").GetBoolean());
        Assert.DoesNotContain(WebhookHarness.EmailOf(id, 0), string.Concat(receiver.Requests.Select(r => System.Text.Encoding.UTF8.GetString(r.Body))));
        Assert.Equal("Comment 0", notOptedIn.GetProperty("comment").GetString());
        Assert.StartsWith("sig_", notOptedIn.GetProperty("signatureId").GetString());

        // A second run finds nothing new: the cursor moved past what was queued.
        Assert.Equal(0, (await harness.DispatchAsync()).Events);
    }

    [Fact]
    public async Task A_receiver_that_answers_500_twice_gets_the_same_delivery_id_three_times_and_stores_the_event_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = await WebhookHarness.StartAsync(azurite);
        var id = await harness.PetitionAsync(receiver.Url);
        receiver.AnswerNext(500, 500);
        await harness.SignAsync(id, 1);

        await harness.DispatchAsync();
        await harness.PumpUntilAsync(() => !receiver.Store.IsEmpty);
        await harness.DrainAsync(TimeSpan.FromMilliseconds(500));

        Assert.Equal([500, 500, 200], receiver.Requests.Select(r => r.Answered));
        Assert.Single(receiver.Requests.Select(r => r.Delivery).Distinct());
        Assert.Single(receiver.Store);
        Assert.All(receiver.Requests, r => Assert.True(WebhookHarness.Verifies(WebhookHarness.Secret, r, TimeSpan.FromMinutes(5))));
    }

    [Fact]
    public async Task A_receiver_down_past_the_retry_window_leaves_a_visible_failure_that_can_be_sent_again()
    {
        // A port nothing listens on: the receiver is down (connection refused, on loopback).
        var receiver = await WebhookReceiver.StartAsync();
        var url = receiver.Url;
        await receiver.DisposeAsync();
        await using var harness = await WebhookHarness.StartAsync(azurite);
        var id = await harness.PetitionAsync(url);
        await harness.SignAsync(id, 3);
        await harness.DispatchAsync();

        var failures = harness.Services.GetRequiredService<WebhookFailures>();
        // The first tries fail; a day later (the clock shifted past the 24-hour window) the next one gives up.
        await harness.DrainAsync(TimeSpan.FromMilliseconds(400));
        Assert.Empty(Assert.IsType<WebhookFailuresResult.Listed>(await failures.ListAsync(id, CancellationToken.None)).Failures);
        harness.Clock.Offset = TimeSpan.FromHours(25);
        await harness.PumpUntilAsync(() => Listed(failures, id).Sum(f => f.Events) == 3);
        // One failure per commit's message (three signers, spread over the shards), each after several tries.
        Assert.All(Listed(failures, id), failure =>
        {
            Assert.Equal(WebhookEvents.SignatureCounted, failure.Event);
            Assert.StartsWith("network error", failure.Error);
            Assert.True(failure.Attempts >= 2);
            Assert.Equal(url.AbsoluteUri, failure.Url);
        });

        // The receiver is back where it was; the organizer sends the failure again.
        await using var back = await WebhookReceiver.StartAsync(url.Port);
        var resent = Assert.IsType<WebhookFailuresResult.Resent>(await failures.ResendAsync(id, null, CancellationToken.None));
        Assert.Equal(3, resent.Events);
        await harness.PumpUntilAsync(() => back.Store.Count >= 3);
        Assert.Empty(Listed(failures, id));
    }

    [Fact]
    public async Task A_receiver_that_answers_429_is_asked_again_no_sooner_than_its_Retry_After()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = await WebhookHarness.StartAsync(azurite);
        var id = await harness.PetitionAsync(receiver.Url);
        receiver.AnswerNext(429);
        await harness.SignAsync(id, 1);
        await harness.DispatchAsync();
        await harness.PumpUntilAsync(() => !receiver.Store.IsEmpty);

        var (first, second) = (receiver.Requests.First(), receiver.Requests.Last());
        Assert.Equal([429, 200], receiver.Requests.Select(r => r.Answered));
        Assert.Equal(first.Delivery, second.Delivery);
        Assert.True(second.ArrivedAt - first.ArrivedAt >= TimeSpan.FromMilliseconds(900), $"retried after {second.ArrivedAt - first.ArrivedAt}");
    }

    [Fact]
    public async Task A_redirect_is_not_followed_and_is_kept_as_a_failure_at_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = await WebhookHarness.StartAsync(azurite);
        var id = await harness.PetitionAsync(receiver.Url);
        receiver.AnswerNext(302);
        await harness.SignAsync(id, 1);
        await harness.DispatchAsync();
        var failures = harness.Services.GetRequiredService<WebhookFailures>();
        await harness.PumpUntilAsync(() => Listed(failures, id).Count == 1);
        await harness.DrainAsync(TimeSpan.FromMilliseconds(300));

        var request = Assert.Single(receiver.Requests);
        Assert.Equal(302, request.Answered);
        var failure = Assert.Single(Listed(failures, id));
        Assert.Equal(1, failure.Attempts);
        Assert.Contains("redirects are not followed", failure.Error, StringComparison.Ordinal);
    }

    private static IReadOnlyList<WebhookFailure> Listed(WebhookFailures failures, string id) =>
        Assert.IsType<WebhookFailuresResult.Listed>(failures.ListAsync(id, CancellationToken.None).GetAwaiter().GetResult()).Failures;

    [Fact]
    public async Task A_removed_or_erased_signer_sends_signature_removed_with_the_id_their_counted_event_had()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = await WebhookHarness.StartAsync(azurite);
        var id = await harness.PetitionAsync(receiver.Url);
        await harness.SignAsync(id, 2);
        await harness.DispatchAsync();
        await harness.PumpUntilAsync(() => receiver.Store.Count >= 2);
        var counted = receiver.Requests.ToDictionary(
            r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("lastName").GetString()!,
            r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("signatureId").GetString()!);

        var erased = await harness.Services.GetRequiredService<PrivacyHandlers>().EraseAsync(id, WebhookHarness.EmailOf(id, 1), CancellationToken.None);
        Assert.Equal(ErasureOutcome.Removed, erased);
        await harness.DispatchAsync();
        await harness.PumpUntilAsync(() => receiver.Store.Count >= 3);

        var removal = Assert.Single(receiver.Requests, r => r.Event == WebhookEvents.SignatureRemoved);
        Assert.True(WebhookHarness.Verifies(WebhookHarness.Secret, removal, TimeSpan.FromMinutes(5)));
        var data = JsonDocument.Parse(removal.Body).RootElement.GetProperty("data");
        Assert.Equal(counted["Number1"], data.GetProperty("signatureId").GetString());
        Assert.DoesNotContain("Number1", System.Text.Encoding.UTF8.GetString(removal.Body));
    }

    [Fact]
    public async Task A_signer_erased_before_their_event_is_sent_is_never_sent_by_name()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = await WebhookHarness.StartAsync(azurite);
        var id = await harness.PetitionAsync(receiver.Url);
        await harness.SignAsync(id, 2);
        await harness.DispatchAsync();
        // Queued (by reference), not yet sent: the erasure comes first.
        await harness.Services.GetRequiredService<PrivacyHandlers>().EraseAsync(id, WebhookHarness.EmailOf(id, 0), CancellationToken.None);
        await harness.DispatchAsync();
        await harness.PumpUntilAsync(() => receiver.Store.Count >= 2);
        await harness.DrainAsync(TimeSpan.FromMilliseconds(300));

        Assert.Equal([WebhookEvents.SignatureCounted, WebhookEvents.SignatureRemoved], receiver.Requests.Select(r => r.Event).Order());
        var everything = string.Concat(receiver.Requests.Select(r => System.Text.Encoding.UTF8.GetString(r.Body)));
        Assert.DoesNotContain("Number0", everything, StringComparison.Ordinal);
        Assert.Contains("Number1", everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batching_webhook_gets_the_signatures_of_a_commit_in_one_post_as_OSDI_signatures()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = await WebhookHarness.StartAsync(azurite);
        var id = await harness.PetitionAsync(receiver.Url, format: "osdi", batch: true, events: [WebhookEvents.SignatureCounted]);
        await harness.SignAsync(id, 40, optedIn: 7);
        await harness.DispatchAsync();
        await harness.PumpUntilAsync(() => receiver.Requests.Sum(r => JsonDocument.Parse(r.Body).RootElement.GetArrayLength()) >= 40);

        // 40 signers over 4 shards: one POST per commit (index row), far fewer than 40.
        Assert.InRange(receiver.Requests.Count, 1, 8);
        var signatures = receiver.Requests.SelectMany(r => JsonDocument.Parse(r.Body).RootElement.EnumerateArray().ToList()).ToList();
        Assert.Equal(40, signatures.Count);
        Assert.All(receiver.Requests, r => Assert.True(WebhookHarness.Verifies(WebhookHarness.Secret, r, TimeSpan.FromMinutes(5))));
        foreach (var signature in signatures)
        {
            var person = signature.GetProperty("person");
            Assert.Equal("Signer", person.GetProperty("given_name").GetString());
            var address = Assert.Single(person.GetProperty("postal_addresses").EnumerateArray().ToList());
            Assert.Equal("10001", address.GetProperty("postal_code").GetString());
            Assert.Equal("NY", address.GetProperty("region").GetString());
            Assert.StartsWith("signaturepipeline:sig_", signature.GetProperty("identifiers")[0].GetString());
            Assert.StartsWith("Comment ", signature.GetProperty("comments").GetString());
        }
        var withEmail = Assert.Single(signatures, s => s.GetProperty("person").TryGetProperty("email_addresses", out _));
        Assert.Equal("Number7", withEmail.GetProperty("person").GetProperty("family_name").GetString());
        Assert.Equal(WebhookHarness.EmailOf(id, 7), withEmail.GetProperty("person").GetProperty("email_addresses")[0].GetProperty("address").GetString());
    }

    [Fact]
    public async Task A_private_signer_reaches_the_webhook_counted_but_unnamed_and_every_signature_carries_its_source()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = await WebhookHarness.StartAsync(azurite);
        var id = await harness.PetitionAsync(receiver.Url, format: "osdi", events: [WebhookEvents.SignatureCounted]);
        await harness.SignAsync(id, 2, 0, [0, 1], (i, input) => input with { Private = i == 0, Sources = new SignatureSources { Source = "ndlon-email" } });
        await harness.DispatchAsync();
        await harness.PumpUntilAsync(() => receiver.Store.Count >= 2);

        var signatures = receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Equal(2, signatures.Count);
        Assert.All(signatures, s => Assert.Equal("ndlon-email", s.GetProperty("referrer_data").GetProperty("source").GetString()));
        var unnamed = Assert.Single(signatures, s => s.TryGetProperty("private", out var p) && p.GetBoolean());
        Assert.False(unnamed.GetProperty("person").TryGetProperty("given_name", out _));
        Assert.False(unnamed.GetProperty("person").TryGetProperty("family_name", out _));
        Assert.False(unnamed.TryGetProperty("comments", out _));
        var everything = string.Concat(receiver.Requests.Select(r => System.Text.Encoding.UTF8.GetString(r.Body)));
        Assert.DoesNotContain("Number0", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("Comment 0", everything, StringComparison.Ordinal);
        Assert.Contains("Number1", everything, StringComparison.Ordinal);
    }
}
