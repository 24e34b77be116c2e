using Kura.Api.Common;
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
/// request id → CORS (when origins are allowed) → metrics → error mapping → Glance version negotiation → routing → password-attempt limit (endpoints
/// that require it) → oversized-body drain → endpoint, whose group filter authenticates <c>/v2</c> (<see cref="GlanceRoutes"/>).
/// The provider preset (<c>Policy:Preset</c>) adds its API: NHN's v1.0 appkey API, or ConoHa's <c>/v2</c> extras.
/// </summary>
public static class KuraApi
{
    public static WebApplication UseKura(this WebApplication app)
    {
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseKuraCors();
        app.UseMiddleware<MetricsMiddleware>();
        app.UseMiddleware<ErrorMiddleware>();
        app.UseStatusCodePages(context => context.HttpContext.Response.StatusCode is 404 or 405
            ? ErrorMiddleware.WriteStatusAsync(context.HttpContext)
            : Task.CompletedTask);
        app.UseMiddleware<VersionNegotiationMiddleware>();
        app.UseRouting();
        app.UseRateLimiter();
        app.UseMiddleware<OversizedBodyMiddleware>();

        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapOperations();
        // With the cloud's Keystone (Identity:Type=Keystone) Kura's own identity API is not there: /identity is a 404.
        if (app.Services.GetRequiredService<Kura.Identity.IdentityOptions>().IsEmbedded)
        {
            app.MapIdentity();
        }

        app.MapGlance();
        if (app.Services.GetRequiredService<ImagePolicy>().Is(PolicyOptions.Nhn))
        {
            app.MapNhn();
        }

        return app;
    }
}
