using Kura.Api.Common;
using Kura.Domain;
using Kura.Identity;
using Microsoft.AspNetCore.Http;

namespace Kura.Api.Glance;

/// <summary>
/// Keystone token authentication for <c>/v2</c>, as keystonemiddleware plus Glance's context middleware do it:
/// a valid, project-scoped <c>X-Auth-Token</c> becomes the request's <see cref="Caller"/>; anything else is a 401
/// with <c>WWW-Authenticate: Keystone uri="…"</c>.
/// </summary>
public sealed class GlanceAuthMiddleware(RequestDelegate next, IdentityService identity)
{
    private const string CallerKey = "kura.caller";

    public async Task InvokeAsync(HttpContext ctx)
    {
        if (!ctx.Request.Path.StartsWithSegments("/v2", StringComparison.Ordinal))
        {
            await next(ctx);
            return;
        }

        var info = await identity.ValidateAsync(ctx.Request.Headers["X-Auth-Token"].ToString(), ctx.RequestAborted);
        if (info?.Project is null)
        {
            ctx.Response.Headers.WWWAuthenticate = $"Keystone uri=\"{BaseUrl.Of(ctx, identity.Options.PublicUrl)}/identity\"";
            await GlanceErrors.WriteAsync(ctx, StatusCodes.Status401Unauthorized, null);
            return;
        }

        ctx.Items[CallerKey] = info.AsCaller();
        await next(ctx);
    }

    public static Caller CallerOf(HttpContext ctx) =>
        ctx.Items[CallerKey] as Caller ?? throw new InvalidOperationException("No caller: the request did not pass authentication.");
}
