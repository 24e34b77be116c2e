using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static Kura.Dashboard.Html;

namespace Kura.Dashboard.Pages;

/// <summary>An error as a page in the user's language, with the way back.</summary>
public static class ErrorPage
{
    public static Task<IResult> RenderAsync(HttpContext ctx, int status, string message)
    {
        var r = DashboardRequest.Of(ctx);
        var t = r.T;
        return ctx.RequestServices.GetRequiredService<Layout>().RenderAsync(r, t["error.title"], _ => H($"""
            <h1>{t["error.title"]}</h1>
            <p class="flash error" role="alert">{message}</p>
            <p><a href="{DashboardEndpoints.Prefix}/images">{t["action.back"]}</a></p>
            """), status);
    }
}
