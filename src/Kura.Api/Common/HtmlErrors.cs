using System.Net;
using Microsoft.AspNetCore.Http;

namespace Kura.Api.Common;

/// <summary>
/// The last-resort error page under <c>/dashboard</c>: an unknown path, a wrong method, or a failure the dashboard's
/// own pages did not turn into their localized error page. Plain HTML, so a browser never lands on Glance's JSON.
/// </summary>
public static class HtmlErrors
{
    public static Task WriteAsync(HttpContext ctx, int status, string message)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/html; charset=utf-8";
        return ctx.Response.WriteAsync($"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{status} · Kura</title></head>
            <body><main><h1>{status}</h1><p>{WebUtility.HtmlEncode(message)}</p><p><a href="/dashboard/images">Kura images</a></p></main></body></html>
            """);
    }
}
