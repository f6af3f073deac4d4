using Microsoft.Extensions.Logging;
using SignaturePipeline.Petitions;

namespace SignaturePipeline.Webhooks;

public abstract record WebhookFailuresResult
{
    private WebhookFailuresResult() { }
    public sealed record Listed(IReadOnlyList<WebhookFailure> Failures) : WebhookFailuresResult;
    public sealed record Resent(int Failures, int Events) : WebhookFailuresResult;
    public sealed record PetitionNotFound : WebhookFailuresResult;
}

/// <summary>The organizer's view of deliveries that were given up on, and sending them again (a fresh retry window each).</summary>
public sealed class WebhookFailures(PetitionStore petitions, WebhookStore store, WebhookDispatcher dispatcher, ILogger<WebhookFailures> logger)
{
    public const int MaxListed = 1000;

    public async Task<WebhookFailuresResult> ListAsync(string petitionId, CancellationToken ct)
    {
        if (await petitions.ReadAsync(petitionId, ct).ConfigureAwait(false) is null) return new WebhookFailuresResult.PetitionNotFound();
        var failures = await store.ListFailuresAsync(petitionId, MaxListed, ct).ConfigureAwait(false);
        return new WebhookFailuresResult.Listed([.. failures.Select(f => f.Failure)]);
    }

    /// <summary>
    /// Queues the kept failures again (all, or the one <paramref name="failureId"/> names), each with its delivery ids, then
    /// deletes them: a crash between the two sends one twice, which the receiver knows by its delivery id.
    /// </summary>
    public async Task<WebhookFailuresResult> ResendAsync(string petitionId, string? failureId, CancellationToken ct)
    {
        if (await petitions.ReadAsync(petitionId, ct).ConfigureAwait(false) is null) return new WebhookFailuresResult.PetitionNotFound();
        int failures = 0, events = 0;
        foreach (var (failure, message) in await store.ListFailuresAsync(petitionId, MaxListed, ct).ConfigureAwait(false))
        {
            if (failureId is not null && failure.Id != failureId) continue;
            await dispatcher.EnqueueAsync(message with { Attempt = 0, FirstAttemptAt = null }, ct).ConfigureAwait(false);
            await store.DeleteFailureAsync(petitionId, failure.Id, ct).ConfigureAwait(false);
            failures++;
            events += message.Events.Count;
        }
        logger.LogInformation("Resent {Failures} webhook failures ({Events} events) of {PetitionId}", failures, events, petitionId);
        return new WebhookFailuresResult.Resent(failures, events);
    }
}
