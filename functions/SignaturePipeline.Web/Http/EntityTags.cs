using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace SignaturePipeline.Web.Http;

public static class EntityTags
{
    /// <summary>
    /// Whether If-None-Match names <paramref name="etag"/> (a quoted tag) or <c>*</c>. The comparison is weak, as RFC 9110
    /// asks for If-None-Match: a <c>W/</c> prefix, which CDNs add when they compress, still matches.
    /// </summary>
    public static bool Matches(HttpRequest request, string etag)
    {
        var candidates = request.GetTypedHeaders().IfNoneMatch;
        return candidates is { Count: > 0 } && candidates.Any(c => c.Equals(EntityTagHeaderValue.Any) || c.Tag.Equals(etag, StringComparison.Ordinal));
    }
}
