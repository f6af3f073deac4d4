using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Intake;
using SignaturePipeline.Petitions;
using SignaturePipeline.Receipts;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.IntegrationTests.Infrastructure;

/// <summary>Test data through the production code paths: petitions through PetitionHandlers, signatures through the queue processor.</summary>
public static class Seed
{
    private static readonly Dictionary<string, string> ZipOf = new() { ["NY"] = "10001", ["CA"] = "94105", ["TX"] = "75201" };

    public static string OrganizerOf(string petitionId) => $"organizer-{petitionId}@example.org";

    /// <summary>A petition with its own milestones, so a handful of signatures crosses them; its organizer's address is unique to it.</summary>
    public static async Task<string> PetitionAsync(IServiceProvider services, int goal, int[] milestones, string title = "Milestone test petition")
    {
        var id = AzuriteFixture.NewPetitionId("ms");
        var definition = AzuriteFixture.Definition(title) with { Goal = goal, Milestones = [.. milestones], Organizers = [OrganizerOf(id)] };
        var result = await services.GetRequiredService<PetitionHandlers>().SaveAsync(id, definition, CancellationToken.None);
        Assert.IsType<SavePetitionResult.Saved>(result);
        return id;
    }

    /// <summary>
    /// Signs <paramref name="count"/> new people through <see cref="SignatureProcessor"/>, exactly as the queue trigger
    /// hands it a message. Signers get addresses at signers.example.net, so a test can prove none reaches an email.
    /// </summary>
    public static async Task SignAsync(IServiceProvider services, string petitionId, int count, int first = 0, string state = "NY", string? comment = null)
    {
        var hmac = services.GetRequiredService<Hmac>();
        var clock = services.GetRequiredService<TimeProvider>();
        var batch = ReceiptId.NewBatch();
        var items = Enumerable.Range(0, count).Select(i => new QueuedSignature(
            ReceiptId.Create(hmac, batch, i).Value, petitionId, clock.GetUtcNow(),
            new SignatureInput
            {
                FirstName = "Signer",
                LastName = "Number" + (first + i).ToString(System.Globalization.CultureInfo.InvariantCulture),
                Email = $"signer{first + i}.{petitionId}@signers.example.net",
                PostalCode = ZipOf[state],
                State = state,
                Comment = comment,
            })).ToList();
        var summary = await services.GetRequiredService<SignatureProcessor>()
            .ProcessAsync(new SignatureMessage(SignatureMessage.CurrentSchema, items).Serialize(), Guid.NewGuid().ToString(), 1, CancellationToken.None);
        Assert.Equal(count, summary.Counted);
    }
}
