using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.Email;
using SignaturePipeline.Intake;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Milestones;
using SignaturePipeline.Receipts;
using SignaturePipeline.Security;
using SignaturePipeline.Signatures;

namespace SignaturePipeline.IntegrationTests.Milestones;

/// <summary>The milestone email against a real Azurite, through the production registration, with a recording transport.</summary>
[Collection(AzuriteGroup.Name)]
public sealed class PrivateCommentTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_private_signer_counts_toward_the_milestone_but_their_comment_is_never_quoted()
    {
        var transport = new RecordingEmailTransport();
        await using var services = await azurite.BuildServicesAsync(configure: s => s.AddSingleton<IEmailTransport>(transport));
        var id = await Seed.PetitionAsync(services, goal: 100, milestones: [3]);
        await Seed.SignAsync(services, id, 2, comment: "Named and glad to be.");
        var hmac = services.GetRequiredService<Hmac>();
        var clock = services.GetRequiredService<TimeProvider>();
        var hidden = new QueuedSignature(ReceiptId.Create(hmac, ReceiptId.NewBatch(), 0).Value, id, clock.GetUtcNow(), new SignatureInput
        {
            FirstName = "Hidden", LastName = "Signer", Email = $"hidden.{id}@signers.example.net", PostalCode = "10001", State = "NY",
            Comment = "Words that could point at me.", Private = true,
        });
        var summary = await services.GetRequiredService<SignatureProcessor>().ProcessAsync(
            new SignatureMessage(SignatureMessage.CurrentSchema, [hidden]).Serialize(), Guid.NewGuid().ToString(), 1, CancellationToken.None);
        Assert.Equal(1, summary.Counted);

        await services.GetRequiredService<MilestoneNotifier>().RunAsync(CancellationToken.None);

        var (message, _) = Assert.Single(transport.ForPetition(id));
        Assert.Contains("passed 3 supporters", message.Subject, StringComparison.Ordinal);
        Assert.Contains("Named and glad to be.", message.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("point at me", message.TextBody + message.HtmlBody, StringComparison.Ordinal);
    }
}
