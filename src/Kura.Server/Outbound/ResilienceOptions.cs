using System.ComponentModel.DataAnnotations;

namespace Kura.Server.Outbound;

/// <summary>
/// How Kura's calls to one backend are bounded (section <c>Resilience:{Backend}</c>: <c>Swift</c>, <c>S3</c>,
/// <c>Keystone</c>, <c>WebDownload</c>); each backend's defaults are in <see cref="OutboundBackend"/>. The timeouts
/// run until a response's headers: a body streamed either way (a segment PUT, a download) is never cut by them.
/// </summary>
public sealed class ResilienceOptions : IValidatableObject
{
    public const string Section = "Resilience";

    /// <summary>How long one attempt may wait for the response's headers (a buffered request body is sent within it).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan AttemptTimeout { get; set; }

    /// <summary>How long one call may take until headers, retries and their delays included.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan TotalTimeout { get; set; }

    /// <summary>
    /// Retries after the first attempt of a request that is safe to repeat (0: none). For S3 this is the AWS SDK's
    /// own retry count (<c>MaxErrorRetry</c>): the SDK retries S3 calls itself and Kura adds no second retry.
    /// </summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; }

    /// <summary>The first retry's delay; each next one doubles, with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryDelay { get; set; }

    /// <summary>The share of failed calls (after their retries) within <see cref="BreakerSamplingDuration"/> that opens the circuit.</summary>
    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; }

    /// <summary>The calls within <see cref="BreakerSamplingDuration"/> before the ratio is judged at all.</summary>
    [Range(2, 100_000)]
    public int BreakerMinimumThroughput { get; set; }

    [Range(typeof(TimeSpan), "00:00:00.500", "1.00:00:00")]
    public TimeSpan BreakerSamplingDuration { get; set; }

    /// <summary>How long an open circuit fails calls at once (a 503) before one call tries the backend again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "1.00:00:00")]
    public TimeSpan BreakDuration { get; set; }

    /// <summary>How long opening a TCP (and TLS) connection may take; it bounds a streamed request too.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; }

    /// <summary>How long a pooled connection is reused (so DNS changes are seen); zero opens a connection per request.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan PooledConnectionLifetime { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (TotalTimeout < AttemptTimeout)
        {
            yield return new ValidationResult("Resilience:*:TotalTimeout must be at least AttemptTimeout.");
        }
    }
}
