using Microsoft.AspNetCore.Http;

namespace Kura.Api.Common;

/// <summary>The URL clients reach Kura at: the configured public URL, or else the scheme, host and path base of the request.</summary>
public static class BaseUrl
{
    public static string Of(HttpContext ctx, string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured.TrimEnd('/');
        }

        var request = ctx.Request;
        return $"{request.Scheme}://{request.Host}{request.PathBase}".TrimEnd('/');
    }
}
