using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kura.Api.Common;

/// <summary>
/// Cross-origin requests (configuration section <c>Cors</c>), as oslo.middleware's cors filter does for Glance: off
/// until origins are allowed; then preflights are answered and responses carry Glance's exposed headers, so a page
/// on another origin (Horizon, say) can call the API and stream an upload straight to it.
/// </summary>
public sealed class CorsOptions
{
    public const string Section = "Cors";

    /// <summary>Origins allowed to call Kura from a browser (<c>https://horizon.example.com</c>); <c>*</c> for any; empty: CORS off.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>Whether the browser may send cookies and credentials along (oslo's <c>allow_credentials</c>).</summary>
    public bool AllowCredentials { get; set; }

    /// <summary>How long a browser may keep a preflight's answer, in seconds (oslo's <c>max_age</c>).</summary>
    [Range(0, 86400)]
    public int MaxAge { get; set; } = 3600;

    /// <summary>Request headers a page may send: Glance's list, with Content-Type and Range.</summary>
    public string[] AllowHeaders { get; set; } =
    [
        "Content-MD5", "X-Image-Meta-Checksum", "X-Storage-Token", "Accept-Encoding", "X-Auth-Token", "X-Identity-Status",
        "X-Roles", "X-Service-Catalog", "X-User-Id", "X-Tenant-Id", "X-OpenStack-Request-ID", "X-Service-Token",
        "Content-Type", "Range", "OpenStack-API-Version",
    ];

    /// <summary>Response headers a page may read: Glance's list, and the ones its image API answers with.</summary>
    public string[] ExposeHeaders { get; set; } =
    [
        "X-Image-Meta-Checksum", "X-Auth-Token", "X-Subject-Token", "X-Service-Token", "X-OpenStack-Request-ID",
        "OpenStack-image-import-methods", "OpenStack-image-store-ids", "Location", "Content-MD5", "Content-Range", "Accept-Patch",
    ];

    /// <summary>Methods a page may use (Glance's: GET, PUT, POST, DELETE, PATCH).</summary>
    public string[] AllowMethods { get; set; } = ["GET", "PUT", "POST", "DELETE", "PATCH"];
}

public static class Cors
{
    public static IServiceCollection AddKuraCors(this IServiceCollection services)
    {
        services.AddOptions<CorsOptions>().BindConfiguration(CorsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>().Configure<IOptions<CorsOptions>>((cors, kura) =>
            cors.AddDefaultPolicy(Policy(kura.Value)));
        return services;
    }

    /// <summary>Adds the CORS middleware when origins are configured (it answers preflights before any dialect sees them).</summary>
    public static WebApplication UseKuraCors(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<CorsOptions>>().Value.AllowedOrigins.Length > 0)
        {
            app.UseCors();
        }

        return app;
    }

    private static CorsPolicy Policy(CorsOptions options)
    {
        var policy = new CorsPolicyBuilder()
            .WithHeaders(options.AllowHeaders)
            .WithExposedHeaders(options.ExposeHeaders)
            .WithMethods(options.AllowMethods)
            .SetPreflightMaxAge(TimeSpan.FromSeconds(options.MaxAge));
        if (options.AllowedOrigins.Contains("*"))
        {
            policy.SetIsOriginAllowed(_ => true);
        }
        else
        {
            policy.WithOrigins(options.AllowedOrigins);
        }

        if (options.AllowCredentials)
        {
            policy.AllowCredentials();
        }

        return policy.Build();
    }
}
