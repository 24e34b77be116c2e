using Kura.Api.Common;
using Kura.Domain;
using Kura.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Kura.Api.Glance;

/// <summary>
/// Keystone token authentication for <c>/v2</c>, as keystonemiddleware plus Glance's context middleware do it: the
/// endpoint filter of the Glance route group (<see cref="GlanceRoutes"/>). A valid, project-scoped
/// <c>X-Auth-Token</c> becomes the request's <see cref="Caller"/>; anything else is a 401 with
/// <c>WWW-Authenticate: Keystone uri="…"</c>. A path under <c>/v2</c> that no route takes is authenticated the same
/// way before its 404 or 405 (<see cref="ErrorMiddleware.WriteStatusAsync"/>), as Glance authenticates before routing.
/// </summary>
public static class GlanceAuth
{
    private const string CallerKey = "kura.caller";

    /// <summary>The endpoint filter: authenticate, then refuse a trailing slash (Glance has no such route: 404).</summary>
    public static async ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var ctx = context.HttpContext;
        if (!await AuthenticateAsync(ctx))
        {
            return Results.Empty;
        }

        if (ctx.Request.Path.Value!.EndsWith('/'))
        {
            await GlanceErrors.WriteAsync(ctx, StatusCodes.Status404NotFound, null);
            return Results.Empty;
        }

        return await next(context);
    }

    /// <summary>Sets the request's caller from its token, or writes Glance's 401 and returns false.</summary>
    public static async Task<bool> AuthenticateAsync(HttpContext ctx)
    {
        var identity = ctx.RequestServices.GetRequiredService<IdentityService>();
        var info = await identity.ValidateAsync(ctx.Request.Headers["X-Auth-Token"].ToString(), ctx.RequestAborted);
        if (info?.Project is null)
        {
            ctx.Response.Headers.WWWAuthenticate = $"Keystone uri=\"{BaseUrl.Of(ctx, identity.Options.PublicUrl)}/identity\"";
            await GlanceErrors.WriteAsync(ctx, StatusCodes.Status401Unauthorized, null);
            return false;
        }

        ctx.Items[CallerKey] = info.AsCaller();
        return true;
    }

    public static Caller CallerOf(HttpContext ctx) =>
        ctx.Items[CallerKey] as Caller ?? throw new InvalidOperationException("No caller: the request did not pass authentication.");
}
