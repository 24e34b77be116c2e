using Kura.Domain.Cluster;
using Kura.Domain.Images;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Kura.Api.Operations;

/// <summary>
/// What operators and load balancers call: <c>/healthcheck</c> (as oslo.middleware's healthcheck answers: 200
/// <c>OK</c>, or 503 with the reason) and <c>/metrics</c> (Prometheus text). Neither needs a token; expose them only
/// to the operator's network.
/// </summary>
public static class OperationsApi
{
    public static void MapOperations(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/healthcheck", [HttpMethods.Get, HttpMethods.Head], HealthAsync);
        app.MapGet("/metrics", MetricsAsync);
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

    private static async Task<IResult> MetricsAsync(KuraMetrics metrics, ImageService images, CancellationToken ct)
    {
        IReadOnlyDictionary<string, long> byStatus;
        try
        {
            byStatus = await images.CountByStatusAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            byStatus = new Dictionary<string, long>();
        }

        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return Results.Text(metrics.Render(byStatus, process.WorkingSet64), "text/plain; version=0.0.4; charset=utf-8");
    }
}
