using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using SignaturePipeline.Deliveries;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;

using static SignaturePipeline.IntegrationTests.Deliveries.DeliveryHarness;

namespace SignaturePipeline.IntegrationTests.Deliveries;

/// <summary>
/// Signers who asked to be counted but not named, and targets that take no names, through the production registration on
/// Azurite: the files are read back from blob storage, the PDF through pdftotext, the emails from the recording transport.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed partial class PrivateSignerDeliveryTests(AzuriteFixture azurite)
{
    private static readonly string[] HiddenWords = ["Hidden", "Person", "Secretville", "Do not name me"];

    private static string EmailText(MimeMessage message) => message.Subject + "\n" + message.TextBody + "\n" + message.HtmlBody;

    /// <summary>pdftotext's layout keeps columns apart with runs of spaces and wraps long sentences: read the words in order.</summary>
    private static async Task<string> PdfWordsAsync(byte[] pdf) => Spaces().Replace(await PdfTextAsync(pdf), " ");

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"100xx\s+2\s+2\b")]
    private static partial Regex NyZipAreaOfTwo();

    [GeneratedRegex(@"New York \(NY\)\s+2\s+2")]
    private static partial Regex NewYorkOfTwo();

    [Fact]
    public async Task A_private_signer_is_in_the_totals_and_the_state_and_ZIP_tables_but_in_no_PDF_CSV_or_email()
    {
        await using var h = await StartAsync(azurite);
        var id = await h.PetitionAsync(GovernorNy, President);
        await h.SignAsync(id,
            Signer("Nadia", "Named", "NY", city: "Albany", comment: "Visible words"),
            Signer("Hidden", "Person", "NY", city: "Secretville", comment: "Do not name me") with { Private = true },
            Signer("Carl", "Coast", "CA", city: "Oakland"));

        var results = await h.DeliverAsync(id);
        Assert.Equal([("governor-ny", 2L), ("president", 3L)], results.Select(r => (r.TargetId, r.Count)).Order());

        foreach (var (target, listed, sentence) in new[] { ("governor-ny", 1, "2 signers, of whom 1 asked not to be named"), ("president", 2, "3 signers, of whom 1 asked not to be named") })
        {
            var email = Assert.Single(h.Emails(id, "target"), e => e.Key.Contains($":{target}:", StringComparison.Ordinal)).Message;
            var copy = Assert.Single(h.Emails(id, "organizers"), e => e.Key.Contains($":{target}:", StringComparison.Ordinal)).Message;
            var csv = Attachment(email, DeliveryFiles.CsvName);
            var pdf = await PdfWordsAsync(Attachment(email, DeliveryFiles.PdfName));
            foreach (var text in new[] { EmailText(email), EmailText(copy), System.Text.Encoding.UTF8.GetString(csv), pdf })
                foreach (var word in HiddenWords) Assert.DoesNotContain(word, text, StringComparison.Ordinal);

            Assert.Equal(listed, CsvRows(csv).Count);
            Assert.Contains(sentence, email.Subject, StringComparison.Ordinal);
            Assert.Contains(sentence, copy.Subject, StringComparison.Ordinal);
            Assert.Contains("One of them asked to be counted without being named", email.TextBody, StringComparison.Ordinal);
            Assert.Contains(sentence, pdf, StringComparison.Ordinal);
            Assert.Contains("1 more asked not to be named", pdf, StringComparison.Ordinal);

            // The manifest: the count holds the private signer, the hash only the CSV's rows, and unnamed says how many are not listed.
            var manifest = JsonDocument.Parse(await h.FileAsync(id, target, h.Week, DeliveryFiles.ManifestName)).RootElement;
            Assert.Equal(listed + 1, manifest.GetProperty("count").GetInt64());
            Assert.Equal(1, manifest.GetProperty("unnamed").GetInt64());
            Assert.Equal(HashOfCsv(csv), manifest.GetProperty("signersSha256").GetString());
        }

        // The state and ZIP-area tables count the private signer with the named one.
        var governorPdf = await PdfTextAsync(await h.FileAsync(id, "governor-ny", h.Week, DeliveryFiles.PdfName));
        Assert.Matches(NyZipAreaOfTwo(), governorPdf);
        var presidentPdf = await PdfTextAsync(await h.FileAsync(id, "president", h.Week, DeliveryFiles.PdfName));
        Assert.Matches(NewYorkOfTwo(), presidentPdf);
        var counts = await h.Services.GetRequiredService<PetitionCountCache>().GetAsync(id, CancellationToken.None);
        Assert.Equal(3, counts.Total);
        Assert.Equal(2, counts.ByState["NY"]);

        // The index itself never held their name, city or comment.
        var index = h.Services.GetRequiredService<Azure.Data.Tables.TableServiceClient>().GetTableClient(Storage.TableNames.Signatures);
        var filter = Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey ge {id} and PartitionKey lt {id + "~"} and RowKey ge {SignatureStore.IndexRowPrefix} and RowKey lt {SignatureStore.IndexRowEnd}");
        var indexed = new List<IndexedSigner>();
        await foreach (var row in index.QueryAsync<Azure.Data.Tables.TableEntity>(filter)) indexed.AddRange(IndexedSigner.ReadSigners(row));
        var hidden = Assert.Single(indexed, s => s.Private);
        Assert.Equal(("", "", "", "", "NY", "10027"), (hidden.FirstName, hidden.LastName, hidden.City, hidden.Comment, hidden.State, hidden.PostalCode));
    }

    [Fact]
    public async Task One_signer_is_one_signer_in_the_subject_the_body_and_the_PDF()
    {
        await using var h = await StartAsync(azurite);
        var id = await h.PetitionAsync(President);
        await h.SignAsync(id, Signer("Solo", "Signer", "CA"));
        Assert.Equal(1, Assert.Single(await h.DeliverAsync(id)).Count);

        var email = Assert.Single(h.Emails(id, "target")).Message;
        var copy = Assert.Single(h.Emails(id, "organizers")).Message;
        var pdf = await PdfWordsAsync(Attachment(email, DeliveryFiles.PdfName));
        Assert.EndsWith("— 1 signer", email.Subject, StringComparison.Ordinal);
        Assert.Contains("— 1 signer (", copy.Subject, StringComparison.Ordinal);
        Assert.Contains("the signature of the one person who has signed", email.TextBody, StringComparison.Ordinal);
        Assert.Contains("the signature of the one person who has signed", pdf, StringComparison.Ordinal);
        foreach (var text in new[] { EmailText(email), EmailText(copy), pdf })
        {
            Assert.DoesNotContain("1 signers", text, StringComparison.Ordinal);
            Assert.DoesNotContain("all 1 people", text, StringComparison.Ordinal);
            Assert.DoesNotContain("1 people", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_target_that_takes_no_names_gets_the_letter_and_the_totals_and_no_list()
    {
        await using var h = await StartAsync(azurite);
        var id = await h.PetitionAsync(GovernorNy with { Names = "none" }, President);
        await h.SignAsync(id, Signer("Nadia", "Named", "NY", city: "Albany", comment: "Visible words"), Signer("Nora", "Noname", "NY", city: "Troy"),
            Signer("Carl", "Coast", "CA"));
        await h.DeliverAsync(id);

        var governor = Assert.Single(h.Emails(id, "target"), e => e.Key.Contains(":governor-ny:", StringComparison.Ordinal)).Message;
        Assert.Equal([DeliveryFiles.PdfName], governor.Attachments.OfType<MimePart>().Select(a => a.FileName));
        var pdf = await PdfWordsAsync(Attachment(governor, DeliveryFiles.PdfName));
        foreach (var text in new[] { pdf, EmailText(governor) })
            foreach (var word in new[] { "Nadia", "Named", "Albany", "Visible words", "Nora", "Troy" }) Assert.DoesNotContain(word, text, StringComparison.Ordinal);
        Assert.Contains("We, the undersigned", pdf, StringComparison.Ordinal);
        Assert.Matches(NyZipAreaOfTwo(), pdf);
        Assert.Contains("no names", governor.TextBody, StringComparison.Ordinal);
        Assert.Empty(CsvRows(await h.FileAsync(id, "governor-ny", h.Week, DeliveryFiles.CsvName)));
        var manifest = JsonDocument.Parse(await h.FileAsync(id, "governor-ny", h.Week, DeliveryFiles.ManifestName)).RootElement;
        Assert.Equal("none", manifest.GetProperty("target").GetProperty("names").GetString());
        Assert.Equal(2, manifest.GetProperty("unnamed").GetInt64());

        // The default stays the full list.
        var president = Assert.Single(h.Emails(id, "target"), e => e.Key.Contains(":president:", StringComparison.Ordinal)).Message;
        Assert.Equal(3, CsvRows(Attachment(president, DeliveryFiles.CsvName)).Count);
    }

    [Fact]
    public async Task Erasing_a_private_signer_after_the_delivery_compiles_it_again_with_the_same_list()
    {
        await using var h = await StartAsync(azurite);
        var id = await h.PetitionAsync(President);
        await h.SignAsync(id, Signer("Kept", "Named", "CA"), Signer("Hidden", "Person", "CA", email: "hidden.person@example.org") with { Private = true });
        await h.DeliverAsync(id);
        var before = CsvRows(await h.FileAsync(id, "president", h.Week, DeliveryFiles.CsvName));

        await h.Services.GetRequiredService<SignaturePipeline.Privacy.PrivacyHandlers>().EraseAsync(id, "hidden.person@example.org", CancellationToken.None);

        Assert.Equal(before, CsvRows(await h.FileAsync(id, "president", h.Week, DeliveryFiles.CsvName)));
        var manifest = JsonDocument.Parse(await h.FileAsync(id, "president", h.Week, DeliveryFiles.ManifestName)).RootElement;
        Assert.Equal(2, manifest.GetProperty("count").GetInt64());
        Assert.Equal(1, manifest.GetProperty("erased").GetInt64());
        Assert.False(manifest.TryGetProperty("unnamed", out _));
    }
}
