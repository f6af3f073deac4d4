using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SignaturePipeline.IntegrationTests.Abuse;
using SignaturePipeline.IntegrationTests.Infrastructure;
using SignaturePipeline.Signatures;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Privacy;

[Collection(AzuriteGroup.Name)]
public sealed class PrivacyTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private AbuseHost _h = null!;

    public async Task InitializeAsync() => _h = await AbuseHost.StartAsync(azurite);

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task The_export_streams_counted_signatures_with_emails_only_for_opt_ins_and_formula_safe_cells()
    {
        var petition = await CreatePetitionAsync(_h.Host);
        await WaitForFinalAsync(_h.Client, await SignAsync(_h.Client, petition, new { firstName = "Opted", lastName = "In", email = "yes@example.org", postalCode = "10001", state = "NY", optIn = true, comment = "=HYPERLINK(\"http://evil\")" }));
        await WaitForFinalAsync(_h.Client, await SignAsync(_h.Client, petition, new { firstName = "Not", lastName = "Opted", email = "no@example.org", postalCode = "94105", state = "CA", comment = "-1+2" }));
        await WaitForFinalAsync(_h.Client, await SignAsync(_h.Client, petition, new { firstName = "Held", lastName = "Pot", email = "held@example.org", postalCode = "10001", state = "NY", website = "x" }));

        var response = await _h.Admin.GetAsync($"/api/admin/petitions/{petition}/signatures.csv");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("first_name,last_name,email,city,state,postal_code,signed_at,confirmed_at,status,comment,private", lines[0]);
        Assert.Equal(3, lines.Length);
        var opted = Assert.Single(lines, l => l.StartsWith("Opted,", StringComparison.Ordinal));
        Assert.Contains("yes@example.org", opted, StringComparison.Ordinal);
        Assert.DoesNotContain(",=HYPERLINK", opted, StringComparison.Ordinal);
        Assert.Contains("'=HYPERLINK", opted, StringComparison.Ordinal);
        var other = Assert.Single(lines, l => l.StartsWith("Not,", StringComparison.Ordinal));
        Assert.DoesNotContain("no@example.org", other, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.Contains("held@example.org", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_erasure_request_by_email_removes_the_signature_from_the_count_and_its_personal_data()
    {
        var petition = await CreatePetitionAsync(_h.Host);
        await WaitForFinalAsync(_h.Client, await SignAsync(_h.Client, petition, Signer("erase.me@gmail.com", comment: "secret")));
        await WaitForFinalAsync(_h.Client, await SignAsync(_h.Client, petition, Signer("stay@example.org")));
        Assert.Equal(2, await _h.CountAsync(petition));

        // Asked for by an alias of the same mailbox: the canonical email finds the row.
        var erased = await _h.AdminPostAsync($"/api/admin/petitions/{petition}/erase", new { email = "Erase.Me+x@googlemail.com" });
        Assert.Equal("removed", erased.GetProperty("outcome").GetString());
        var again = await _h.AdminPostAsync($"/api/admin/petitions/{petition}/erase", new { email = "erase.me@gmail.com" });
        Assert.Equal("already_removed", again.GetProperty("outcome").GetString());
        Assert.Equal("not_found", (await _h.AdminPostAsync($"/api/admin/petitions/{petition}/erase", new { email = "never@example.org" })).GetProperty("outcome").GetString());
        Assert.Equal(1, await _h.CountAsync(petition));
        Assert.Equal(1, (await GetPetitionAsync(_h.Client, petition)).GetProperty("countsByState").GetProperty("NY").GetInt64());

        var store = _h.Host.Services.GetRequiredService<SignatureStore>();
        await foreach (var row in store.QueryRowsAsync(petition, CancellationToken.None))
            if (row.Status == SignatureRowStatus.Removed)
                Assert.DoesNotContain(row.Entity.Select(kv => kv.Value), v => v is string s && (s.Contains("erase", StringComparison.OrdinalIgnoreCase) || s == "secret"));
    }

    [Fact]
    public async Task Anonymising_a_closed_petition_keeps_its_counts_and_drops_names_emails_and_comments()
    {
        var petition = await CreatePetitionAsync(_h.Host);
        for (var i = 0; i < 3; i++) await WaitForFinalAsync(_h.Client, await SignAsync(_h.Client, petition, Signer($"old{i}@example.org", comment: "words")));
        await _h.Admin.PutAsJsonAsync($"/api/admin/petitions/{petition}", AzuriteFixture.Definition(status: "closed"));
        _h.Clock.Offset = TimeSpan.FromDays(91);
        try
        {
            var run = await _h.Admin.PostAsync("/admin/functions/AnonymiseClosedPetitions", JsonContent.Create(new { }));
            Assert.Equal(HttpStatusCode.Accepted, run.StatusCode);
            var store = _h.Host.Services.GetRequiredService<SignatureStore>();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            List<SignatureRow> rows;
            do
            {
                await Task.Delay(200);
                rows = [];
                await foreach (var row in store.QueryRowsAsync(petition, CancellationToken.None)) rows.Add(row);
            } while (rows.Any(r => r.Entity.ContainsKey("FirstName")) && DateTime.UtcNow < deadline);
            Assert.Equal(3, rows.Count);
            Assert.All(rows, r => Assert.All(SignatureStore.PersonalProperties, p => Assert.False(r.Entity.ContainsKey(p), p)));
            Assert.All(rows, r => Assert.Equal(SignatureRowStatus.Counted, r.Status));
            Assert.Equal(3, await _h.CountAsync(petition));
        }
        finally
        {
            _h.Clock.Offset = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task Anonymising_an_open_petition_is_refused_and_leaves_its_signers_as_they_are()
    {
        var petition = await CreatePetitionAsync(_h.Host);
        await WaitForFinalAsync(_h.Client, await SignAsync(_h.Client, petition, Signer("keep@example.org")));

        var refused = await _h.AdminPostAsync($"/api/admin/petitions/{petition}/anonymise", new { }, HttpStatusCode.Conflict);
        Assert.Equal("petition_open", refused.GetProperty("code").GetString());
        var store = _h.Host.Services.GetRequiredService<SignatureStore>();
        await foreach (var row in store.QueryRowsAsync(petition, CancellationToken.None)) Assert.Equal("keep@example.org", row.Email);

        await _h.Admin.PutAsJsonAsync($"/api/admin/petitions/{petition}", AzuriteFixture.Definition(status: "won"));
        Assert.Equal(1, (await _h.AdminPostAsync($"/api/admin/petitions/{petition}/anonymise", new { })).GetProperty("anonymised").GetInt32());
    }

    [Fact]
    public async Task Retention_counts_from_the_day_a_petition_closed_not_from_its_last_edit()
    {
        var petition = await CreatePetitionAsync(_h.Host);
        await WaitForFinalAsync(_h.Client, await SignAsync(_h.Client, petition, Signer("closed.long.ago@example.org")));
        var store = _h.Host.Services.GetRequiredService<SignatureStore>();
        var privacy = _h.Host.Services.GetRequiredService<SignaturePipeline.Privacy.PrivacyHandlers>();
        try
        {
            await _h.Admin.PutAsJsonAsync($"/api/admin/petitions/{petition}", AzuriteFixture.Definition(status: "closed"));
            // Eighty days later an organizer fixes a typo in the closed petition's title.
            _h.Clock.Offset = TimeSpan.FromDays(80);
            await _h.Admin.PutAsJsonAsync($"/api/admin/petitions/{petition}", AzuriteFixture.Definition(title: "Fixed title", status: "closed"));

            _h.Clock.Offset = TimeSpan.FromDays(89);
            await privacy.RunRetentionAsync(CancellationToken.None);
            await foreach (var row in store.QueryRowsAsync(petition, CancellationToken.None)) Assert.NotNull(row.Email);

            _h.Clock.Offset = TimeSpan.FromDays(91);
            await privacy.RunRetentionAsync(CancellationToken.None);
            await foreach (var row in store.QueryRowsAsync(petition, CancellationToken.None)) Assert.Null(row.Email);
            Assert.Equal(1, await _h.CountAsync(petition));
        }
        finally
        {
            _h.Clock.Offset = TimeSpan.Zero;
        }
    }
}
