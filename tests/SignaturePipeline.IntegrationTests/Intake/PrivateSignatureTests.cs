using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.IntegrationTests.Abuse;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Signatures;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Intake;

/// <summary>
/// "Count my signature, but don't send my name to the target", through the real host on Azurite: the choice arrives as
/// JSON, OSDI or a form, is stored on the signature row, counts like any signature, and is said back to the signer.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class PrivateSignatureTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private AbuseHost _h = null!;

    public async Task InitializeAsync() => _h = await AbuseHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private async Task<Dictionary<string, bool>> PrivateByLastNameAsync(string petition)
    {
        var rows = new Dictionary<string, bool>(StringComparer.Ordinal);
        await foreach (var row in _h.Host.Services.GetRequiredService<SignatureStore>().QueryRowsAsync(petition, CancellationToken.None))
            rows[row.LastName ?? ""] = row.Private;
        return rows;
    }

    [Fact]
    public async Task Private_is_accepted_as_JSON_OSDI_and_a_form_stored_on_the_row_and_counted()
    {
        var petition = await CreatePetitionAsync(_h.Host);
        await WaitForFinalAsync(_h.Client, await SignAsync(_h.Client, petition,
            new { firstName = "Jay", lastName = "Json", email = "jay.json@example.org", postalCode = "10001", state = "NY", @private = true }));
        await WaitForFinalAsync(_h.Client, await SignAsync(_h.Client, petition,
            new { firstName = "Ned", lastName = "Named", email = "ned.named@example.org", postalCode = "10001", state = "NY", @private = false }));
        await WaitForFinalAsync(_h.Client, await SignAsync(_h.Client, petition, new
        {
            person = new
            {
                given_name = "Olga", family_name = "Osdi",
                email_addresses = new[] { new { address = "olga.osdi@example.org", primary = true } },
                postal_addresses = new[] { new { postal_code = "94105", region = "CA", primary = true } },
            },
            @private = true,
        }));
        var form = await _h.Client.PostAsync($"/api/petitions/{petition}/signatures", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["firstName"] = "Fay", ["lastName"] = "Form", ["email"] = "fay.form@example.org", ["postalCode"] = "10001", ["state"] = "NY", ["private"] = "on",
        }));
        Assert.Equal(HttpStatusCode.Accepted, form.StatusCode);
        await WaitForFinalAsync(_h.Client, (await form.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("receiptId").GetString()!);

        Assert.Equal(new Dictionary<string, bool> { ["Json"] = true, ["Named"] = false, ["Osdi"] = true, ["Form"] = true }, await PrivateByLastNameAsync(petition));
        // Counted like anyone: the total and the states include them.
        var counts = await GetPetitionAsync(_h.Client, petition);
        Assert.Equal(4, counts.GetProperty("signatureCount").GetInt64());
        Assert.Equal(3, counts.GetProperty("countsByState").GetProperty("NY").GetInt64());
        Assert.Equal(1, counts.GetProperty("countsByState").GetProperty("CA").GetInt64());
    }

    [Theory]
    [InlineData("application/json", """{"firstName":"Ana","lastName":"Li","email":"bad1@example.org","postalCode":"10001","state":"NY","private":"maybe"}""")]
    [InlineData("application/json", """{"firstName":"Ana","lastName":"Li","email":"bad2@example.org","postalCode":"10001","state":"NY","private":2}""")]
    [InlineData("application/json", """{"person":{"given_name":"Ana","family_name":"Li","email_addresses":[{"address":"bad3@example.org"}]},"private":[true]}""")]
    [InlineData("application/x-www-form-urlencoded", "firstName=Ana&lastName=Li&email=bad4%40example.org&postalCode=10001&state=NY&private=perhaps")]
    public async Task A_private_value_that_is_neither_yes_nor_no_is_a_400_naming_the_field_and_nothing_is_stored(string contentType, string body)
    {
        var petition = await CreatePetitionAsync(_h.Host);
        var response = await _h.Client.PostAsync($"/api/petitions/{petition}/signatures", new StringContent(body, System.Text.Encoding.UTF8, contentType));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal("private", error.GetProperty("field").GetString());
        Assert.Contains("true or false", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(await PrivateByLastNameAsync(petition));
    }

    [Theory]
    [InlineData(null, "Thank you for signing", "As you asked, your signature counts, but your name, city and comment will not be sent to the target.")]
    [InlineData("es", "Gracias por firmar", "Como pediste, tu firma cuenta, pero tu nombre, tu ciudad y tu comentario no se enviarán al destinatario.")]
    public async Task A_form_post_that_asks_not_to_be_named_lands_on_a_thank_you_page_that_says_so(string? lang, string thanks, string said)
    {
        var petition = await CreatePetitionAsync(_h.Host);
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _h.Host.Address };
        var fields = new Dictionary<string, string>
        {
            ["firstName"] = "Pia", ["lastName"] = "Page", ["email"] = $"pia.{lang ?? "en"}@example.org", ["postalCode"] = "10001", ["state"] = "NY", ["private"] = "on",
        };
        if (lang is not null) fields["lang"] = lang;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/petitions/{petition}/signatures") { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Accept.ParseAdd("text/html");
        var response = await noRedirect.SendAsync(request);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.Contains("private=1", location, StringComparison.Ordinal);
        await WaitForFinalAsync(_h.Client, System.Web.HttpUtility.ParseQueryString(new Uri(location).Query)["receipt"]!);
        var page = System.Net.WebUtility.HtmlDecode(await _h.Client.GetStringAsync(location));
        Assert.Contains(thanks, page, StringComparison.Ordinal);
        Assert.Contains(said, page, StringComparison.Ordinal);

        // Without the choice, the page does not claim it.
        var plain = System.Net.WebUtility.HtmlDecode(await _h.Client.GetStringAsync(location.Replace("private=1", "", StringComparison.Ordinal)));
        Assert.DoesNotContain(said, plain, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_confirmation_email_repeats_the_choice_in_the_signers_language()
    {
        var petition = await _h.ConfirmingPetitionAsync();
        await SignAsync(_h.Client, petition, new { firstName = "Eva", lastName = "Email", email = "eva.private@example.org", postalCode = "10001", state = "NY", @private = true });
        await SignAsync(_h.Client, petition, new { firstName = "Eli", lastName = "Espanol", email = "eli.privado@example.org", postalCode = "10001", state = "NY", @private = true, lang = "es" });
        await SignAsync(_h.Client, petition, new { firstName = "Noa", lastName = "Named", email = "noa.named@example.org", postalCode = "10001", state = "NY" });

        var english = (await _h.WaitForMailAsync("eva.private@example.org"))[0].Message;
        Assert.Contains("You asked us to count your signature without sending your name to the target", english.TextBody, StringComparison.Ordinal);
        Assert.Contains("You asked us to count your signature without sending your name to the target", english.HtmlBody, StringComparison.Ordinal);
        var spanish = (await _h.WaitForMailAsync("eli.privado@example.org"))[0].Message;
        Assert.Contains("Nos pediste contar tu firma sin enviar tu nombre al destinatario", spanish.TextBody, StringComparison.Ordinal);
        var named = (await _h.WaitForMailAsync("noa.named@example.org"))[0].Message;
        Assert.DoesNotContain("without sending your name", named.TextBody, StringComparison.Ordinal);

        // Confirmed, the private signature counts.
        await _h.PostTokenAsync(petition, "confirm", AbuseHost.TokenIn(english, "confirm"));
        Assert.Equal(1, await _h.CountAsync(petition));
    }
}
