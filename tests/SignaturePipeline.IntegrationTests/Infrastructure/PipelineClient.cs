using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SignaturePipeline.Petitions;

namespace SignaturePipeline.IntegrationTests.Infrastructure;

/// <summary>What a signing form or an organizer's tool does against the HTTP contract.</summary>
public static class PipelineClient
{
    public static async Task<string> CreatePetitionAsync(RunningHost host, PetitionDefinition? definition = null, string? id = null)
    {
        id ??= AzuriteFixture.NewPetitionId();
        using var admin = host.CreateClient(AzuriteFixture.AdminKey);
        var response = await admin.PutAsJsonAsync($"/api/admin/petitions/{id}", definition ?? AzuriteFixture.Definition());
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return id;
    }

    public static object Signer(string email, string state = "NY", string zip = "10001", string first = "Ana", string last = "García", string? comment = null) =>
        new { firstName = first, lastName = last, email, postalCode = zip, state, comment };

    public static async Task<string> SignAsync(HttpClient client, string petitionId, object signer)
    {
        var response = await client.PostAsJsonAsync($"/api/petitions/{petitionId}/signatures", signer);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("pending", body.GetProperty("status").GetString());
        return body.GetProperty("receiptId").GetString()!;
    }

    /// <summary>Polls the receipt until it leaves "pending"; bounded in time.</summary>
    public static async Task<JsonElement> WaitForFinalAsync(HttpClient client, string receiptId, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var receipt = await client.GetFromJsonAsync<JsonElement>($"/api/receipts/{receiptId}");
            if (receipt.GetProperty("status").GetString() != "pending") return receipt;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Receipt {receiptId} still pending after {seconds} s.");
            await Task.Delay(100);
        }
    }

    public static async Task<JsonElement> GetPetitionAsync(HttpClient client, string petitionId) =>
        await client.GetFromJsonAsync<JsonElement>($"/api/petitions/{petitionId}");
}
