namespace Kura.Server.Outbound;

/// <summary>
/// One backend Kura calls over HTTP: the name of its HttpClient (Polly's metrics tag its pipeline
/// <c>pipeline.name={Name}-outbound</c>), its configuration section under <c>Resilience</c>, the words an error uses
/// for it, and its defaults.
/// </summary>
public sealed record OutboundBackend(string Name, string Section, string Display, Action<ResilienceOptions> Defaults)
{
    /// <summary>The client retries by itself (the AWS SDK): the pipeline adds none, <see cref="ResilienceOptions.MaxRetries"/> is the client's.</summary>
    public bool ClientRetries { get; init; }

    /// <summary>A circuit per scheme, host and port rather than one for the backend (web-download reaches any host).</summary>
    public bool PerAuthority { get; init; }

    /// <summary>POSTs that create nothing durable and may be repeated (a token request).</summary>
    public Func<HttpRequestMessage, bool> RepeatablePost { get; init; } = _ => false;

    public string ConfigurationSection => $"{ResilienceOptions.Section}:{Section}";

    /// <summary>
    /// Swift: a request is a listing, a HEAD, a DELETE, a small object or manifest PUT (up to 1 MiB, buffered) or a
    /// segment PUT (streamed: no timeout beyond connecting). A manifest PUT makes Swift check every segment, so an
    /// attempt gets a minute.
    /// </summary>
    public static readonly OutboundBackend Swift = new("swift", "Swift", "Swift", o => Set(o,
        attempt: TimeSpan.FromSeconds(60), total: TimeSpan.FromMinutes(3), retries: 3, delay: TimeSpan.FromMilliseconds(200), connect: TimeSpan.FromSeconds(10)))
    {
        RepeatablePost = IsTokenRequest, // Swift behind Keystone
    };

    /// <summary>S3: an attempt sends one whole part (up to <c>Blobs:S3:PartSize</c>, buffered), hence ten minutes; the SDK retries twice.</summary>
    public static readonly OutboundBackend S3 = new("s3", "S3", "The S3 store", o => Set(o,
        attempt: TimeSpan.FromMinutes(10), total: TimeSpan.FromMinutes(10), retries: 2, delay: TimeSpan.FromMilliseconds(100), connect: TimeSpan.FromSeconds(10)))
    {
        ClientRetries = true,
    };

    /// <summary>Keystone: small JSON calls behind every request; a token POST is repeated (it creates no durable state).</summary>
    public static readonly OutboundBackend Keystone = new("keystone", "Keystone", "Keystone", o => Set(o,
        attempt: TimeSpan.FromSeconds(5), total: TimeSpan.FromSeconds(10), retries: 2, delay: TimeSpan.FromMilliseconds(100), connect: TimeSpan.FromSeconds(5)))
    {
        RepeatablePost = IsTokenRequest,
    };

    /// <summary>Web-download: GETs of any host (a circuit per host), a minute until the source's headers.</summary>
    public static readonly OutboundBackend WebDownload = new("web-download", "WebDownload", "The web-download source", o => Set(o,
        attempt: TimeSpan.FromSeconds(60), total: TimeSpan.FromMinutes(3), retries: 2, delay: TimeSpan.FromMilliseconds(500), connect: TimeSpan.FromSeconds(30)))
    {
        PerAuthority = true,
    };

    /// <summary>Keystone's <c>POST /v3/auth/tokens</c>: a new token each time, the old one simply expires.</summary>
    private static bool IsTokenRequest(HttpRequestMessage request) =>
        request.RequestUri is { } uri && uri.AbsolutePath.TrimEnd('/').EndsWith("/auth/tokens", StringComparison.Ordinal);

    private static void Set(ResilienceOptions o, TimeSpan attempt, TimeSpan total, int retries, TimeSpan delay, TimeSpan connect)
    {
        o.AttemptTimeout = attempt;
        o.TotalTimeout = total;
        o.MaxRetries = retries;
        o.RetryDelay = delay;
        o.ConnectTimeout = connect;
        o.BreakerFailureRatio = 0.5;
        o.BreakerMinimumThroughput = 20;
        o.BreakerSamplingDuration = TimeSpan.FromSeconds(30);
        o.BreakDuration = TimeSpan.FromSeconds(10);
        o.PooledConnectionLifetime = TimeSpan.FromMinutes(5);
    }
}
