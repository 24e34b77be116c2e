using Kura.Domain.Cluster;
using Kura.Domain.Images;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Kura.Api.Operations;

/// <summary>
/// What operators and load balancers call: <c>/healthcheck</c> (as oslo.middleware's healthcheck answers: 200
/// <c>OK</c>, or 503 with the reason) and <c>/metrics</c> (Prometheus text, by OpenTelemetry's exporter). Neither needs a token; expose them only
/// to the operator's network.
/// </summary>
public static class OperationsApi
{
    public static void MapOperations(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/healthcheck", [HttpMethods.Get, HttpMethods.Head], HealthAsync);
        app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, configureBranchedPipeline: branch => branch.Use(RefreshCatalogueAsync), optionsName: null);
    }

    /// <summary>OK when the database answers (a read of the node leases, the smallest table).</summary>
    private static async Task<IResult> HealthAsync(RecoveryService cluster, CancellationToken ct)
    {
        try
        {
            await cluster.LiveNodesAsync(ct);
            return Results.Text("OK", "text/plain");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Results.Text("DATABASE UNAVAILABLE", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>
    /// Before OpenTelemetry's exporter collects, reads the catalogue's counts by status (a database query the
    /// exporter's synchronous callbacks cannot make); a database that does not answer leaves the last counts.
    /// </summary>
    private static async Task RefreshCatalogueAsync(HttpContext ctx, RequestDelegate next)
    {
        var metrics = ctx.RequestServices.GetRequiredService<KuraMetrics>();
        try
        {
            metrics.SetImagesByStatus(await ctx.RequestServices.GetRequiredService<ImageService>().CountByStatusAsync(ctx.RequestAborted));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The scrape still answers (every other series is in memory), and says the database is away.
            metrics.DatabaseUnavailable();
        }

        await next(ctx);
    }
}
