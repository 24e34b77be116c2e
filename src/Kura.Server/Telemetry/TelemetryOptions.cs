using System.ComponentModel.DataAnnotations;

namespace Kura.Server.Telemetry;

/// <summary>
/// Metrics and traces (section <c>Telemetry</c>). <c>/metrics</c> is always served; traces are recorded and exported
/// over OTLP only when <see cref="OtlpOptions.Endpoint"/> is set, so a node without a tracing backend pays nothing
/// for them.
/// </summary>
public sealed class TelemetryOptions : IValidatableObject
{
    public const string Section = "Telemetry";

    /// <summary>The <c>service.name</c> of the resource every span and exported metric carries.</summary>
    [Required]
    public string ServiceName { get; set; } = "kura";

    public OtlpOptions Otlp { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(Otlp.Endpoint) && !Uri.TryCreate(Otlp.Endpoint, UriKind.Absolute, out _))
        {
            yield return new ValidationResult("Telemetry:Otlp:Endpoint must be an absolute URL (http://collector:4318).");
        }

        if (!OtlpOptions.Protocols.Contains(Otlp.Protocol))
        {
            yield return new ValidationResult($"Telemetry:Otlp:Protocol takes {string.Join(", ", OtlpOptions.Protocols)}.");
        }

        foreach (var header in OtlpOptions.SplitHeaders(Otlp.Headers))
        {
            if (header.IndexOf('=', StringComparison.Ordinal) <= 0)
            {
                yield return new ValidationResult("Telemetry:Otlp:Headers is a comma-separated list of name=value.");
                break;
            }
        }
    }
}

/// <summary>The OTLP exporter (section <c>Telemetry:Otlp</c>).</summary>
public sealed class OtlpOptions
{
    public static readonly string[] Protocols = ["HttpProtobuf", "Grpc"];

    /// <summary>
    /// The collector's base URL (<c>http://collector:4318</c> for OTLP/HTTP, whose paths <c>/v1/traces</c> and
    /// <c>/v1/metrics</c> are added; <c>http://collector:4317</c> for gRPC). Empty: no traces, no OTLP export.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary><c>HttpProtobuf</c> (OTLP/HTTP) or <c>Grpc</c>.</summary>
    public string Protocol { get; set; } = "HttpProtobuf";

    /// <summary>Headers sent with every export, <c>name=value,name2=value2</c> (an API key of a hosted backend). Never logged.</summary>
    public string? Headers { get; set; }

    /// <summary>
    /// The share of traces recorded when the caller sent no sampling decision (0–1). A caller's <c>traceparent</c>
    /// decides for its own requests (parent-based sampling), so a trace is never cut halfway across services.
    /// </summary>
    [Range(0.0, 1.0)]
    public double SampleRatio { get; set; } = 1.0;

    /// <summary>Also push the metrics over OTLP (every <see cref="MetricsInterval"/>), besides <c>/metrics</c>.</summary>
    public bool ExportMetrics { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MetricsInterval { get; set; } = TimeSpan.FromSeconds(60);

    public static IEnumerable<string> SplitHeaders(string? headers) =>
        (headers ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
