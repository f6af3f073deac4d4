using System.Text;
using SignaturePipeline.Email;

namespace SignaturePipeline.Tests.Email;

public sealed class AcsSigningTests
{
    // A base64 access key of the form the portal shows. The expected signature below was computed outside .NET
    // (Python's hmac module) from the documented string to sign, so the test does not check the code against itself.
    private const string AccessKey = "A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A==";
    private const string Body = """{"some-unique-content":"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world"}""";
    private const string Date = "Thu, 30 Mar 2023 08:38:32 GMT";

    [Fact]
    public void The_content_hash_is_the_base64_sha256_of_the_exact_body()
    {
        Assert.Equal("lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=", AcsHmacAuthenticationPolicy.ContentHash(Encoding.UTF8.GetBytes(Body)));
        // A GET has no body: the hash of nothing.
        Assert.Equal("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", AcsHmacAuthenticationPolicy.ContentHash([]));
    }

    [Fact]
    public void The_string_to_sign_is_the_verb_the_path_and_query_then_date_host_and_hash()
    {
        var stringToSign = AcsHmacAuthenticationPolicy.StringToSign("post", "/emails:send?api-version=2025-09-01", Date, "contoso.communication.azure.com", "HASH");
        Assert.Equal("POST\n/emails:send?api-version=2025-09-01\nThu, 30 Mar 2023 08:38:32 GMT;contoso.communication.azure.com;HASH", stringToSign);
    }

    [Fact]
    public void The_signature_from_a_known_key_matches_an_independent_computation()
    {
        var hash = AcsHmacAuthenticationPolicy.ContentHash(Encoding.UTF8.GetBytes(Body));
        var stringToSign = AcsHmacAuthenticationPolicy.StringToSign("POST", "/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63", Date, "webhook.site", hash);
        var signature = AcsHmacAuthenticationPolicy.Signature(Convert.FromBase64String(AccessKey), stringToSign);
        Assert.Equal("T3+NXHMmhNVEjW5PeJ4Gql70nf0MOXCAY9CoZDxuVQw=", signature);
        Assert.Equal("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=T3+NXHMmhNVEjW5PeJ4Gql70nf0MOXCAY9CoZDxuVQw=",
            AcsHmacAuthenticationPolicy.AuthorizationHeader(signature));
    }

    [Fact]
    public void A_connection_string_gives_the_endpoint_and_the_decoded_key()
    {
        Assert.True(AcsConnectionString.TryParse($"endpoint=https://contoso.communication.azure.com/;accesskey={AccessKey}", out var parsed, out _));
        Assert.Equal(new Uri("https://contoso.communication.azure.com/"), parsed.Endpoint);
        Assert.Equal(Convert.FromBase64String(AccessKey), parsed.AccessKey);
        Assert.False(AcsConnectionString.TryParse("endpoint=https://contoso.communication.azure.com/;accesskey=not base64!", out _, out var error));
        Assert.Contains("accesskey", error, StringComparison.Ordinal);
        Assert.False(AcsConnectionString.TryParse($"accesskey={AccessKey}", out _, out _));
    }

    [Fact]
    public void The_operation_id_is_one_stable_uuid_per_idempotency_key()
    {
        var first = EmailIdempotency.OperationId("milestone:p:100");
        Assert.Equal(first, EmailIdempotency.OperationId("milestone:p:100"));
        Assert.NotEqual(first, EmailIdempotency.OperationId("milestone:p:250"));
        Assert.Equal('8', first.ToString("D")[14]);
    }

    [Fact]
    public void Pickup_file_names_are_safe_and_distinct_for_keys_that_sanitize_alike()
    {
        var name = EmailIdempotency.FileName("milestone:my-petition:100");
        Assert.Matches("^milestone_my-petition_100_[0-9a-f]{12}\\.eml$", name);
        Assert.NotEqual(EmailIdempotency.FileName("a:b"), EmailIdempotency.FileName("a_b"));
        Assert.Equal(name, EmailIdempotency.FileName("milestone:my-petition:100"));
    }
}
