using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SignaturePipeline.IntegrationTests.Infrastructure;
using static SignaturePipeline.IntegrationTests.Infrastructure.PipelineClient;

namespace SignaturePipeline.IntegrationTests.Abuse;

/// <summary>
/// At least 200 hostile requests, generated from a fixed seed so a failure replays exactly, against the real host:
/// every answer is a clean 4xx or an accepted signature whose receipt ends rejected, duplicate, counted or pending
/// confirmation; never a 5xx, never a stack trace, never a poisoned message.
/// </summary>
[Collection(AzuriteGroup.Name)]
public sealed class HostileInputTests(AzuriteFixture azurite)
{
    private const int Seed = 20261123;

    private static readonly string[] Tricks =
    [
        "\u0000", "\u202E", "\u200B", "\uFEFF", "\u0301\u0301\u0301", "а", "е", "о", "ρ", "ⅰ", "ﬁ", "𝐀", "😀", "\u00A0", "\r\n", "\t", "<script>", "\"", "\\", "'",
        "=cmd|' /C calc'!A0", "@SUM(1)", "+1", "-1", "%0a", "../", "${jndi:ldap://x}", "{{7*7}}", "' OR 1=1 --", "\u2028", "\uFFFD", "ß", "İ", "ǅ", "\u0085",
    ];

    private static string Noise(Random random, int maxLength)
    {
        var length = random.Next(0, maxLength);
        var text = new StringBuilder(length);
        while (text.Length < length)
            text.Append(random.Next(4) switch
            {
                0 => Tricks[random.Next(Tricks.Length)],
                1 => (char)random.Next(0x20, 0x7F),
                2 => char.ConvertFromUtf32(random.Next(0xA0, 0x2FFF)),
                _ => "abcdefghij"[random.Next(10)].ToString(),
            });
        return text.ToString();
    }

    private static readonly string[] Fields = ["firstName", "lastName", "email", "postalCode", "state", "city", "country", "comment", "optIn", "website"];

    private static IEnumerable<(string Name, Func<string, HttpRequestMessage> Build)> Cases()
    {
        var random = new Random(Seed);
        HttpRequestMessage Json(string petition, string body) =>
            new(HttpMethod.Post, $"/api/petitions/{petition}/signatures") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        HttpRequestMessage Raw(string petition, byte[] body, string type) =>
            new(HttpMethod.Post, $"/api/petitions/{petition}/signatures") { Content = Typed(body, type) };
        static ByteArrayContent Typed(byte[] body, string type)
        {
            var content = new ByteArrayContent(body);
            content.Headers.TryAddWithoutValidation("Content-Type", type);
            return content;
        }

        // 1. Fuzzed text in every field (80).
        for (var i = 0; i < 80; i++)
        {
            var values = Fields.ToDictionary(f => f, f => (object?)Noise(random, f == "comment" ? 1200 : 120));
            if (random.Next(3) == 0) values["email"] = $"{Noise(random, 10)}@{Noise(random, 10)}.com";
            if (random.Next(3) == 0) { values["postalCode"] = "10001"; values["state"] = "NY"; values["email"] = $"fuzz{i}@example.org"; }
            if (random.Next(4) == 0) values["website"] = null;
            var body = JsonSerializer.Serialize(values);
            yield return ($"fuzzed fields {i}", p => Json(p, body));
        }
        // 2. Wrong types and huge numbers (30).
        object[] odd = [123, -1, 1e308, 12345678901234567890m, true, false, new[] { 1, 2 }, new { a = 1 }, Array.Empty<string>(), new[] { "a" }];
        for (var i = 0; i < 30; i++)
        {
            var field = Fields[i % Fields.Length];
            var value = odd[random.Next(odd.Length)];
            var body = JsonSerializer.Serialize(new Dictionary<string, object> { ["firstName"] = "Ana", ["lastName"] = "Typo", ["email"] = $"type{i}@example.org", ["postalCode"] = "10001", ["state"] = "NY", [field] = value });
            yield return ($"wrong type in {field} {i}", p => Json(p, body));
        }
        foreach (var number in new[] { "1e400", "-1e400", "123456789012345678901234567890123456789", "0.0000000000000000000000001", "NaN", "Infinity", "00010001", "1_0001" })
            yield return ($"huge number {number}", p => Json(p, $"{{\"firstName\":\"A\",\"lastName\":\"B\",\"email\":\"n@example.org\",\"postalCode\":{number},\"state\":\"NY\"}}"));
        // 3. Deep and broken JSON (20).
        foreach (var depth in new[] { 17, 64, 65, 200, 1000, 5000 })
            yield return ($"nesting {depth}", p => Json(p, "{\"person\":" + string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth) + "}"));
        foreach (var broken in new[] { "", "null", "[]", "\"text\"", "{", "{\"a\":}", "{\"firstName\":\"a\",}", "{'firstName':'a'}", "{\"firstName\":\"\\ud800\"}", "{\"email\":\"\\u0000@x.com\"}",
                     "{\"person\":[]}", "{\"person\":{\"email_addresses\":{}}}", "{\"person\":{\"email_addresses\":[1]}}", "{\"person\":{\"postal_addresses\":[{\"postal_code\":[]}]}}" })
            yield return ($"broken json {broken}", p => Json(p, broken));
        // 4. Invalid UTF-8 and binary bodies (15).
        for (var i = 0; i < 15; i++)
        {
            var bytes = new byte[random.Next(1, 400)];
            random.NextBytes(bytes);
            var prefix = "{\"firstName\":\""u8.ToArray();
            var body = i % 2 == 0 ? prefix.Concat(new byte[] { 0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0, 0x80 }).Concat(bytes).ToArray() : bytes;
            var type = (i % 3) switch { 0 => "application/json", 1 => "application/x-www-form-urlencoded", _ => "multipart/form-data; boundary=xyz" };
            yield return ($"invalid utf-8 {i} as {type}", p => Raw(p, body, type));
        }
        // 5. Homoglyph and mixed-script emails (20).
        string[] emails = ["раypal@gmail.com", "paypal@gmаil.com", "admin@ехample.org", "ｊｏｈｎ@example.org", "john@exa\u200Bmple.org", "john\u202E@example.org", "jo.hn@xn--80ak6aa92e.com",
            "\"john\"@example.org", "john@[127.0.0.1]", "john@localhost", "a@b", "@example.org", "john@", "john@@example.org", "j\u0000ohn@example.org", "JOHN@EXAMPLE.ORG", "john@пример.рф",
            "İstanbul@example.org", "ǅ@example.org", new string('a', 65) + "@example.org"];
        foreach (var email in emails)
            yield return ($"email {email}", p => Json(p, JsonSerializer.Serialize(new { firstName = "Homo", lastName = "Glyph", email, postalCode = "10001", state = "NY" })));
        // 6. Headers and content types (20).
        foreach (var type in new[] { "text/plain", "application/xml", "application/json; charset=utf-16", "application/json; charset=\"", "multipart/form-data", "application/x-www-form-urlencoded; charset=latin1", "*/*", "application/json, text/html" })
            yield return ($"content type {type}", p =>
            {
                var content = new ByteArrayContent("{\"firstName\":\"a\"}"u8.ToArray());
                content.Headers.TryAddWithoutValidation("Content-Type", type);
                return new HttpRequestMessage(HttpMethod.Post, $"/api/petitions/{p}/signatures") { Content = content };
            });
        foreach (var size in new[] { 1_000, 8_000, 20_000, 40_000 })
            yield return ($"header of {size}", p =>
            {
                var r = Json(p, JsonSerializer.Serialize(new { firstName = "Big", lastName = "Header", email = $"h{size}@example.org", postalCode = "10001", state = "NY" }));
                r.Headers.TryAddWithoutValidation("X-Junk", new string('x', size));
                r.Headers.TryAddWithoutValidation("X-Forwarded-For", string.Join(",", Enumerable.Repeat("999.1.1.1:x", size / 12)));
                return r;
            });
        foreach (var accept in new[] { "text/html", "text/html;q=abc", "*/*;q=0.5, text/html;q=0.9", "text/html;q=1e999, */*;q=-1" })
            yield return ($"accept {accept}", p => { var r = Json(p, "{\"firstName\":\"\"}"); r.Headers.TryAddWithoutValidation("Accept", accept); return r; });
        yield return ("body over the limit", p => Json(p, "{\"comment\":\"" + new string('x', 70_000) + "\"}"));
        yield return ("form with 1000 fields", p => Raw(p, Encoding.ASCII.GetBytes(string.Join("&", Enumerable.Range(0, 1000).Select(i => $"f{i}=x"))), "application/x-www-form-urlencoded"));
        yield return ("form with broken escapes", p => Raw(p, "firstName=%ZZ&lastName=%&email=%00%00@x.com&state=%E2%80%AE"u8.ToArray(), "application/x-www-form-urlencoded"));
        // 7. Other routes with hostile path and query values (20).
        string[] segments = ["%00", "..%2f..%2fetc", "%E2%80%AE", new string('a', 2000), "UPPER", "a%20b", "%F0%9F%98%80", "x.json", "-", "0"];
        foreach (var segment in segments)
        {
            yield return ($"petition id {segment[..Math.Min(12, segment.Length)]}", _ => new HttpRequestMessage(HttpMethod.Get, $"/api/petitions/{segment}"));
            yield return ($"receipt id {segment[..Math.Min(12, segment.Length)]}", _ => new HttpRequestMessage(HttpMethod.Get, $"/api/receipts/{segment}"));
        }
        foreach (var token in new[] { "", "a.b.c.d.e", "x-1.99.s_zz.1.00", new string('.', 400), "%00", "p.0.ab.99999999999999999999.ff" })
        {
            yield return ($"confirm page token {token.Length}", p => new HttpRequestMessage(HttpMethod.Get, $"/petitions/{p}/confirm?token={token}"));
            yield return ($"confirm post token {token.Length}", p => new HttpRequestMessage(HttpMethod.Post, $"/petitions/{p}/confirm") { Content = new FormUrlEncodedContent([new("token", token)]) });
            yield return ($"remove post token {token.Length}", p => new HttpRequestMessage(HttpMethod.Post, $"/petitions/{p}/remove?token={Uri.EscapeDataString(token)}"));
        }
    }

    [Fact]
    public async Task Two_hundred_generated_hostile_requests_get_clean_4xx_answers_or_recorded_outcomes_and_never_a_5xx()
    {
        await using var host = await azurite.StartHostAsync();
        var petition = await CreatePetitionAsync(host, AzuriteFixture.Definition() with { RequireConfirmation = null });
        using var client = host.CreateClient();
        var cases = Cases().ToList();
        Assert.True(cases.Count >= 200, $"only {cases.Count} cases");

        var accepted = new List<string>();
        var failures = new List<string>();
        foreach (var (name, build) in cases)
        {
            using var request = build(petition);
            HttpResponseMessage response;
            try { response = await client.SendAsync(request); }
            catch (HttpRequestException e) { failures.Add($"{name}: connection failed ({e.Message})"); continue; }
            var body = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode >= 500) failures.Add($"{name}: {(int)response.StatusCode} {body[..Math.Min(300, body.Length)]}");
            if (body.Contains("   at ", StringComparison.Ordinal) || body.Contains(AzuriteFixture.SecretKey, StringComparison.Ordinal)) failures.Add($"{name}: leaks internals");
            if (response.StatusCode == HttpStatusCode.Accepted && request.RequestUri!.AbsolutePath.EndsWith("/signatures", StringComparison.Ordinal))
                accepted.Add(JsonDocument.Parse(body).RootElement.GetProperty("receiptId").GetString()!);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // Whatever intake let through, the processor settles: none stays pending, none poisons the queue.
        foreach (var receipt in accepted)
        {
            var status = (await WaitForFinalAsync(client, receipt)).GetProperty("status").GetString();
            Assert.Contains(status, new[] { "pending_confirmation", "rejected", "counted", "duplicate" });
        }
    }
}
