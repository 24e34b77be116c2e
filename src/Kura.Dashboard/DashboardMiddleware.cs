using Kura.Identity;
using Microsoft.AspNetCore.Http;

namespace Kura.Dashboard;

/// <summary>
/// Runs for every request under <c>/dashboard</c>: the security headers (a strict Content-Security-Policy with no
/// inline script, no framing, no caching of pages), the language, and the session: the cookie's session id is looked
/// up here and its token validated by the <see cref="ITokenAuthority"/> on every request, so a revoked
/// token, a disabled user or a removed role ends the session at once.
/// </summary>
public sealed class DashboardMiddleware(RequestDelegate next, SessionStore sessions, ITokenAuthority identity)
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public async Task InvokeAsync(HttpContext ctx)
    {
        if (!ctx.Request.Path.StartsWithSegments(DashboardEndpoints.Prefix, StringComparison.Ordinal))
        {
            await next(ctx);
            return;
        }

        var headers = ctx.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers.CacheControl = "no-store";

        var texts = Texts.Choose(ctx.Request.Cookies[DashboardRequest.LanguageCookie], ctx.Request.Headers.AcceptLanguage.ToString());
        var session = sessions.Find(ctx.Request.Cookies[DashboardRequest.SessionCookie]);
        TokenInfo? token = null;
        if (session is not null)
        {
            token = await identity.ValidateAsync(session.Token, allowExpired: false, ctx.RequestAborted);
            if (token?.Project is null)
            {
                sessions.Remove(session.Id);
                session = null;
                token = null;
            }
        }

        new DashboardRequest(ctx, texts, session, token).Attach();
        await next(ctx);
    }
}
