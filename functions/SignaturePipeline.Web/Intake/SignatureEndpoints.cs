using System.Net.Mime;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using SignaturePipeline.Intake;
using SignaturePipeline.Petitions;
using SignaturePipeline.Signatures;
using SignaturePipeline.Web.Http;
using SignaturePipeline.Web.Pages;

namespace SignaturePipeline.Web.Intake;

/// <summary><c>POST /api/petitions/{petitionId}/signatures</c>: JSON, OSDI JSON, or a plain HTML form.</summary>
public sealed class SignatureEndpoints(SubmitSignatureHandler handler, PetitionStore petitions, IOptions<PipelineOptions> options, IOptions<SignaturePipeline.Abuse.AbuseOptions> abuse)
{
    public const int MaxBodyBytes = 16 * 1024;

    public async Task<IResult> SubmitAsync(HttpRequest request, string petitionId, CancellationToken ct)
    {
        var context = request.HttpContext;
        var wantsHtml = WantsHtml(request);
        var mediaType = MediaTypeOf(request.ContentType);

        if (request.ContentLength > MaxBodyBytes) return Problems.TooLarge(MaxBodyBytes);
        var body = await ReadBodyAsync(request, ct).ConfigureAwait(false);
        if (body is null) return Problems.TooLarge(MaxBodyBytes);

        SignatureInput input;
        // Not part of the signature: the language the petition page was in, so the answer to the post is too.
        string? postedLang = null;
        try
        {
            switch (mediaType)
            {
                case "application/json" or "application/hal+json" or "application/osdi+json":
                    if (!SignatureJson.TryParse(body.Value, out input, out var error))
                    {
                        Cors.AllowPetitionOrigin(context, await petitions.GetAsync(petitionId, ct).ConfigureAwait(false));
                        return Problems.Malformed(error!.Message, error.Field);
                    }
                    break;
                case "application/x-www-form-urlencoded":
                    var fields = new FormReader(System.Text.Encoding.UTF8.GetString(body.Value.Span)) { ValueCountLimit = 64, KeyLengthLimit = 64, ValueLengthLimit = MaxBodyBytes };
                    var form = await fields.ReadFormAsync(ct).ConfigureAwait(false);
                    input = FormValues.ToInput(name => form.TryGetValue(name, out var v) ? v.ToString() : null);
                    postedLang = form.TryGetValue("lang", out var formLang) ? formLang.ToString() : null;
                    break;
                case "multipart/form-data":
                    request.Body = new MemoryStream(body.Value.ToArray());
                    var multipart = await request.ReadFormAsync(ct).ConfigureAwait(false);
                    input = FormValues.ToInput(name => multipart.TryGetValue(name, out var v) ? v.ToString() : null);
                    postedLang = multipart.TryGetValue("lang", out var multipartLang) ? multipartLang.ToString() : null;
                    break;
                default:
                    return Problems.UnsupportedMediaType(request.ContentType);
            }
        }
        catch (FieldTypeException e)
        {
            Cors.AllowPetitionOrigin(context, await petitions.GetAsync(petitionId, ct).ConfigureAwait(false));
            return Problems.Malformed(e.Message, e.Field);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or InvalidOperationException or BadHttpRequestException or DecoderFallbackException)
        {
            // A form with too many fields, a broken multipart boundary, bytes that are not text: the sender's fault, a 400.
            // The parser's own message is not echoed: it can quote the body back.
            return Problems.Malformed("The form could not be read. Send it as UTF-8, with the usual fields.");
        }

        var signer = new SignaturePipeline.Abuse.SignerContext(ClientIp.Of(context, abuse.Value.TrustForwardedFor));
        var result = await handler.SubmitAsync(petitionId, input, signer, ct).ConfigureAwait(false);
        Cors.AllowPetitionOrigin(context, result switch
        {
            SubmitResult.Accepted a => a.Petition,
            SubmitResult.Invalid i => i.Petition,
            SubmitResult.PetitionClosed c => c.Petition,
            _ => null,
        });
        var language = wantsHtml ? PageLanguage.Of(request, postedLang) : PageLanguage.Default;
        return result switch
        {
            SubmitResult.Accepted accepted when wantsHtml => new SeeOther(ThankYouUrl(request, accepted, language, input.Private)),
            SubmitResult.Accepted accepted => Accepted(request, accepted.ReceiptId, accepted.ReferralCode),
            // The count is left off the re-rendered form: reading the counters on a failed post is not worth it.
            SubmitResult.Invalid { Petition: { } petition } invalid when wantsHtml =>
                PetitionPage.Render(petition, count: null, language, input, invalid.Errors, StatusCodes.Status400BadRequest),
            SubmitResult.Invalid invalid => Problems.Validation(invalid.Errors),
            SubmitResult.PetitionNotFound when wantsHtml => PageEndpoints.NotFound(language),
            SubmitResult.PetitionNotFound => Problems.PetitionNotFound(),
            SubmitResult.PetitionClosed closed when wantsHtml => PetitionPage.Render(closed.Petition, count: null, language, status: StatusCodes.Status409Conflict),
            SubmitResult.PetitionClosed closed => Problems.PetitionClosed(closed.Petition.Title),
            _ when wantsHtml => HtmlPages.Message(language.Strings.TryAgain, language.Strings.TryAgain, language.Strings.TryAgainText,
                StatusCodes.Status503ServiceUnavailable, lang: language.Strings.Lang),
            _ => Problems.Unavailable(),
        };
    }

    public async Task<IResult> PreflightAsync(HttpRequest request, string petitionId, CancellationToken ct) =>
        Cors.Preflight(request.HttpContext, await petitions.GetAsync(petitionId, ct).ConfigureAwait(false));

    private IResult Accepted(HttpRequest request, string receiptId, string? referralCode)
    {
        var statusUrl = BaseUrl(request) + "/api/receipts/" + receiptId;
        return new WithLocation(
            Results.Json(new AcceptedBody(receiptId, "pending", statusUrl) { ReferralCode = referralCode }, Json.Options, MediaTypeNames.Application.Json, StatusCodes.Status202Accepted),
            statusUrl);
    }

    public sealed record AcceptedBody(string ReceiptId, string Status, string StatusUrl)
    {
        /// <summary>The signer's referral code: share links carry it as <c>ref=</c>, and signatures they bring count for it.</summary>
        public string? ReferralCode { get; init; }
    }

    /// <summary>
    /// The language goes along to an organizer's own thank-you page as well: one page for both languages can then
    /// answer in the one the signer used. So does the choice not to be named (<c>private=1</c>), which the page repeats.
    /// </summary>
    private string ThankYouUrl(HttpRequest request, SubmitResult.Accepted accepted, PageLanguage language, bool isPrivate)
    {
        var target = accepted.Petition.ThankYouUrl ?? $"{BaseUrl(request)}/petitions/{accepted.Petition.Id}/thanks";
        var url = QueryHelpers.AddQueryString(target, "receipt", accepted.ReceiptId);
        if (isPrivate) url = QueryHelpers.AddQueryString(url, ThankYouPage.PrivateParameter, "1");
        return language.Carried is { } lang ? QueryHelpers.AddQueryString(url, "lang", lang) : url;
    }

    private string BaseUrl(HttpRequest request) => options.Value.PublicBaseUrlOr($"{request.Scheme}://{request.Host}");

    /// <summary>A browser's form post asks for text/html first; fetch() and API clients do not.</summary>
    private static bool WantsHtml(HttpRequest request)
    {
        var accept = request.GetTypedHeaders().Accept;
        if (accept is null || accept.Count == 0) return false;
        var html = accept.Where(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase)).Select(a => a.Quality ?? 1).DefaultIfEmpty(0).Max();
        var json = accept.Where(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || a.MediaType.Equals("application/problem+json", StringComparison.OrdinalIgnoreCase))
            .Select(a => a.Quality ?? 1).DefaultIfEmpty(0).Max();
        return html > 0 && html >= json;
    }

    private static string? MediaTypeOf(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType.Value?.ToLowerInvariant() : null;

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// Reads at most one byte past the limit, so a chunked body without a length cannot exhaust memory. The buffer is
    /// sized by the declared length (one byte more, to see a body longer than declared) or grows as the body comes:
    /// a 16 KiB buffer for every 200-byte signature was a fifth of everything a signature allocated end to end.
    /// </summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var buffer = new byte[request.ContentLength is long declared and <= MaxBodyBytes ? (int)declared + 1 : 1024];
        var total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (total > MaxBodyBytes) break;
                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxBodyBytes + 1));
            }
            var read = await request.Body.ReadAsync(buffer.AsMemory(total), ct).ConfigureAwait(false);
            if (read == 0) break;
            total += read;
        }
        // Not a conditional expression: null would convert to an empty Memory (arrays convert to it), not to "too large".
        if (total > MaxBodyBytes) return null;
        // Some clients (Windows tools, .NET writers with the default UTF-8 encoding) start the body with a byte order
        // mark; RFC 8259 lets a parser ignore it, and neither the JSON reader nor the form reader would.
        var start = buffer.AsSpan(0, total).StartsWith(Utf8Bom) ? Utf8Bom.Length : 0;
        return buffer.AsMemory(start, total - start);
    }

    private sealed class SeeOther(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }

    private sealed class WithLocation(IResult inner, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
