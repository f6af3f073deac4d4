using System.Text.Json;
using SignaturePipeline.Petitions;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.LocalHost;

/// <summary>
/// Seeds the demo petitions (DemoPetitions/*.json, one per file, the file name is the id) on start.
/// A petition that already exists is left as it is, so edits made through the admin route survive restarts.
/// </summary>
public sealed class DemoPetitionSeeder(PetitionStore petitions, TimeProvider clock, IConfiguration configuration, ILogger<DemoPetitionSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!configuration.GetValue("LocalHost:SeedDemoPetitions", true)) return;
        var folder = Path.Combine(AppContext.BaseDirectory, "DemoPetitions");
        if (!Directory.Exists(folder)) return;
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var id = Path.GetFileNameWithoutExtension(file);
            var definition = JsonSerializer.Deserialize<PetitionDefinition>(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false), Json.Options)
                ?? throw new InvalidOperationException($"{file} is empty.");
            var errors = definition.Validate(id, clock.GetUtcNow(), null, out var petition);
            if (errors.Count > 0)
                throw new InvalidOperationException($"Demo petition {file} is invalid: {string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}"))}");
            if (await petitions.AddIfMissingAsync(petition!, cancellationToken).ConfigureAwait(false))
                logger.LogInformation("Seeded demo petition {PetitionId}", id);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
