using System.Diagnostics.Metrics;
using Kura.Api.Operations;
using Kura.Storage.Relational;
using Npgsql;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Kura.Server.Telemetry;

/// <summary>
/// Metrics and traces through OpenTelemetry. Metrics: Kura's meter (<see cref="KuraMetrics"/>), Polly's (the
/// resilience pipelines of outbound calls), .NET's runtime and HttpClient meters, and Npgsql's on PostgreSQL, served
/// at <c>/metrics</c> by the Prometheus exporter and, when asked, pushed over OTLP. Traces, only when an OTLP endpoint
/// is configured: a span per request (ASP.NET Core; the caller's W3C <c>traceparent</c> is its parent), under it the
/// database units of work (<see cref="RelationalDatabase.ActivitySourceName"/>, and Npgsql's command spans), the blob
/// store calls (<see cref="TracedBlobStore"/>) and every outbound HTTP request (Swift, S3, Keystone, web-download),
/// which carries <c>traceparent</c> on to the next service.
/// </summary>
public static class KuraTelemetry
{
    /// <summary>Polly's meter: retries, circuit-breaker transitions and timeouts of each outbound pipeline.</summary>
    private const string PollyMeter = "Polly";

    public static void AddKuraTelemetry(this IServiceCollection services, IConfiguration configuration, bool postgres)
    {
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var otlp = options.Otlp;
        var tracing = !string.IsNullOrEmpty(otlp.Endpoint);

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName, serviceVersion: typeof(KuraTelemetry).Assembly.GetName().Version?.ToString()))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(KuraMetrics.MeterName, PollyMeter)
                    .AddRuntimeInstrumentation()
                    .AddHttpClientInstrumentation()
                    // Labels exactly as Kura's instruments name them (no otel_scope_* on every series), and every scrape
                    // fresh (the exporter's default answers scrapes within 300 ms with the previous one).
                    .AddPrometheusExporter(prometheus =>
                    {
                        prometheus.ScopeInfoEnabled = false;
                        prometheus.ScrapeResponseCacheDurationMilliseconds = 0;
                    });
                if (postgres)
                {
                    metrics.AddNpgsqlInstrumentation();
                }

                if (tracing && otlp.ExportMetrics)
                {
                    metrics.AddReader(sp => new PeriodicExportingMetricReader(
                        new OtlpMetricExporter(Exporter(otlp, "metrics")), (int)otlp.MetricsInterval.TotalMilliseconds));
                }
            });

        // A meter made by another host's factory (hosts sharing a process, as the tests run them) is not ours:
        // OpenTelemetry listens by meter name, so without this each node would count the others' requests.
        services.ConfigureOpenTelemetryMeterProvider((sp, metrics) =>
        {
            var own = sp.GetRequiredService<IMeterFactory>();
            metrics.AddView(instrument => instrument.Meter.Scope is { } scope && scope != own ? MetricStreamConfiguration.Drop : null);
        });

        if (tracing)
        {
            telemetry.WithTracing(traces =>
            {
                traces.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(otlp.SampleRatio)))
                    .AddSource(RelationalDatabase.ActivitySourceName, TracedBlobStore.ActivitySourceName)
                    .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = ctx => !IsProbe(ctx.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddOtlpExporter(exporter => Configure(exporter, otlp, "traces"));
                if (postgres)
                {
                    traces.AddNpgsql();
                }
            });
        }
    }

    /// <summary>Load balancers' and Prometheus' polls, which would drown the traces that matter.</summary>
    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/metrics") || path.StartsWithSegments("/healthcheck") || path.StartsWithSegments("/healthz");

    private static OtlpExporterOptions Exporter(OtlpOptions otlp, string signal)
    {
        var exporter = new OtlpExporterOptions();
        Configure(exporter, otlp, signal);
        return exporter;
    }

    /// <summary>
    /// OTLP/HTTP takes one URL per signal: set in code, the exporter uses the endpoint as it is, so the signal's path
    /// (<c>/v1/traces</c>, <c>/v1/metrics</c>) is added here; gRPC takes the base.
    /// </summary>
    private static void Configure(OtlpExporterOptions exporter, OtlpOptions otlp, string signal)
    {
        var grpc = otlp.Protocol == "Grpc";
        exporter.Protocol = grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        exporter.Endpoint = new Uri(grpc ? otlp.Endpoint! : otlp.Endpoint!.TrimEnd('/') + "/v1/" + signal);
        exporter.Headers = string.Join(',', OtlpOptions.SplitHeaders(otlp.Headers));
    }
}
