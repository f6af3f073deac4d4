using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SignaturePipeline.Petitions;

namespace SignaturePipeline.OrganizerConsole;

/// <summary>
/// At start, indexes the organizers of every stored petition (<see cref="PetitionStore.IndexOrganizersAsync"/>, idempotent),
/// so petitions defined before the index existed can be signed in to. One partition query and a few upserts per petition.
/// </summary>
public sealed class OrganizerIndexBackfill(PetitionStore petitions, ILogger<OrganizerIndexBackfill> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            foreach (var petition in await petitions.ListAsync(stoppingToken).ConfigureAwait(false))
                await petitions.IndexOrganizersAsync(petition, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "The organizer index could not be brought up to date; it is tried again at the next start");
        }
    }
}
