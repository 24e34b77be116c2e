using Kura.Api.Common;
using Kura.Domain;
using Kura.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Kura.Api.Glance;

/// <summary>
/// Keystone token authentication for <c>/v2</c>, as keystonemiddleware plus Glance's context middleware do it: the
/// endpoint filter of the Glance route group (<see cref="GlanceRoutes"/>). A valid, project-scoped
/// <c>X-Auth-Token</c> (with a valid <c>X-Service-Token</c>, also an expired one: <see cref="TokenAuthentication"/>)
/// becomes the request's <see cref="Caller"/>; anything else is a 401 with <c>WWW-Authenticate: Keystone uri="…"</c>
/// naming Kura's own identity or the cloud's Keystone. A path under <c>/v2</c> that no route takes is authenticated the same
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
        var authentication = ctx.RequestServices.GetRequiredService<TokenAuthentication>();
        var headers = ctx.Request.Headers;
        var authenticated = await authentication.AuthenticateAsync(headers["X-Auth-Token"].ToString(), headers["X-Service-Token"].ToString(), ctx.RequestAborted);
        if (authenticated is null)
        {
            var uri = authentication.Authority.ExternalUri
                ?? $"{BaseUrl.Of(ctx, ctx.RequestServices.GetRequiredService<IdentityOptions>().PublicUrl)}/identity";
            ctx.Response.Headers.WWWAuthenticate = $"Keystone uri=\"{uri}\"";
            await GlanceErrors.WriteAsync(ctx, StatusCodes.Status401Unauthorized, null);
            return false;
        }

        ctx.Items[CallerKey] = authenticated.AsCaller();
        return true;
    }

    public static Caller CallerOf(HttpContext ctx) =>
        ctx.Items[CallerKey] as Caller ?? throw new InvalidOperationException("No caller: the request did not pass authentication.");
}
