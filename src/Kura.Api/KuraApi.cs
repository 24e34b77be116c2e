using Kura.Api.Common;
using Kura.Api.Conoha;
using Kura.Api.Glance;
using Kura.Api.Identity;
using Kura.Api.Nhn;
using Kura.Api.Operations;
using Kura.Domain.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Kura.Api;

/// <summary>
/// The HTTP surfaces of Kura on one port, and the order a request meets them:
/// request id → metrics → error mapping → password-attempt limit → Glance version negotiation → token auth for <c>/v2</c> → routing → endpoint.
/// The provider preset (<c>Policy:Preset</c>) adds its API: NHN's v1.0 appkey API, or ConoHa's <c>/v2</c> extras.
/// </summary>
public static class KuraApi
{
    public static WebApplication UseKura(this WebApplication app)
    {
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseMiddleware<MetricsMiddleware>();
        app.UseMiddleware<ErrorMiddleware>();
        app.UseStatusCodePages(context => context.HttpContext.Response.StatusCode is 404 or 405
            ? ErrorMiddleware.WriteStatusAsync(context.HttpContext)
            : Task.CompletedTask);
        app.UseMiddleware<AuthRateLimitMiddleware>();
        app.UseMiddleware<VersionNegotiationMiddleware>();
        app.UseMiddleware<GlanceAuthMiddleware>();
        app.Use(async (ctx, next) =>
        {
            // Glance has no route with a trailing slash: GET /v2/images/ is 404, not the collection.
            if (ctx.Request.Path.StartsWithSegments("/v2", StringComparison.Ordinal) && ctx.Request.Path.Value!.EndsWith('/'))
            {
                await GlanceErrors.WriteAsync(ctx, StatusCodes.Status404NotFound, null);
                return;
            }

            await next(ctx);
        });
        app.UseRouting();
        app.UseMiddleware<OversizedBodyMiddleware>();

        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapOperations();
        app.MapIdentity();
        app.MapGlanceImages();
        var policy = app.Services.GetRequiredService<ImagePolicy>();
        if (policy.Is(PolicyOptions.Nhn))
        {
            app.MapNhn();
        }

        if (policy.Is(PolicyOptions.Conoha))
        {
            app.MapConoha();
        }

        return app;
    }
}
