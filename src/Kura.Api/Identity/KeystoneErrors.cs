using Kura.Api.Common;
using Kura.Domain;
using Microsoft.AspNetCore.Http;

namespace Kura.Api.Identity;

/// <summary>The one place that renders identity errors in Keystone's shape: <c>{"error":{"code":401,"message":"…","title":"Unauthorized"}}</c>.</summary>
public static class KeystoneErrors
{
    public static Task WriteAsync(HttpContext ctx, KuraException ex) =>
        WriteAsync(ctx, ex.Kind.Status(), ex.Detail is null ? ex.Explanation : ex.Explanation + " " + ex.Detail);

    public static Task WriteAsync(HttpContext ctx, int status, string message)
    {
        if (status == StatusCodes.Status401Unauthorized)
        {
            ctx.Response.Headers.WWWAuthenticate = $"Keystone uri=\"{BaseUrl.Of(ctx, null)}/identity\"";
        }

        return Json.WriteAsync(ctx, status, new { error = new { code = status, message, title = TitleOf(status) } });
    }

    private static string TitleOf(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };
}
