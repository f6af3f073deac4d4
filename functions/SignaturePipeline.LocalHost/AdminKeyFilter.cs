using SignaturePipeline.Security;
using SignaturePipeline.Web.Http;

namespace SignaturePipeline.LocalHost;

/// <summary>
/// The local stand-in for <c>AuthorizationLevel.Function</c>: admin routes need the <c>x-functions-key</c>
/// header (or <c>?code=</c>, as Functions also accepts) to equal the <c>AdminKey</c> setting, compared in constant time.
/// </summary>
public sealed class AdminKeyFilter(IConfiguration configuration) : IEndpointFilter
{
    public const string HeaderName = "x-functions-key";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = configuration["AdminKey"];
        var request = context.HttpContext.Request;
        var given = request.Headers[HeaderName].ToString();
        if (given.Length == 0) given = request.Query["code"].ToString();
        if (string.IsNullOrEmpty(expected) || given.Length == 0 || !Hmac.FixedTimeEquals(given, expected))
            return ValueTask.FromResult<object?>(Problems.Create(StatusCodes.Status401Unauthorized, "unauthorized", "Admin key required",
                $"Send the admin key in the {HeaderName} header."));
        return next(context);
    }
}
