using System.Diagnostics;
using System.Diagnostics.Metrics;
using Kura.Domain.Cluster;

namespace Kura.Api.Operations;

/// <summary>
/// Kura's own instruments on the <see cref="MeterName"/> meter (System.Diagnostics.Metrics): requests and their
/// latency per method, route template and status, bytes in and out, uploads in flight, list-page cache hits, the
/// catalogue by status, and the process's memory. OpenTelemetry collects them (Kura.Server's telemetry) and its
/// Prometheus exporter names them as before this meter existed: <c>kura_http_requests</c> becomes
/// <c>kura_http_requests_total</c>, a histogram in seconds <c>…_seconds_bucket</c>, a size in bytes <c>…_bytes</c>.
/// Label sets are bounded by the route table.
/// </summary>
public sealed class KuraMetrics
{
    public const string MeterName = "Kura";

    /// <summary>Latency histogram bounds, in seconds (Prometheus' defaults, as before).</summary>
    private static readonly double[] Bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Status codes boxed once, so a request's tags allocate nothing.</summary>
    private static readonly object[] Codes = [.. Enumerable.Range(0, 600).Select(c => (object)c.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private long _bytesIn;
    private long _bytesOut;
    private long _listCacheHits;
    private long _listCacheMisses;
    private long _uploadsInFlight;
    private volatile IReadOnlyDictionary<string, long> _imagesByStatus = new Dictionary<string, long>();
    private volatile int _databaseUp = 1;

    public KuraMetrics(IMeterFactory meters, RecoveryCounters recovery)
    {
        var meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>("kura_http_requests", description: "HTTP requests answered, by method, route template and status.");
        _duration = meter.CreateHistogram("kura_http_request_duration", "s", "Time from the request's arrival to its last byte, by method and route template.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Bounds });
        // Plain counters read at collection: an interlocked add per request, and every series exists from the start.
        meter.CreateObservableCounter("kura_http_request_bytes", () => Interlocked.Read(ref _bytesIn), "By", "Bytes of request bodies read.");
        meter.CreateObservableCounter("kura_http_response_bytes", () => Interlocked.Read(ref _bytesOut), "By", "Bytes of response bodies written.");
        meter.CreateObservableCounter("kura_list_cache_requests", ListCache, description: "Image list pages served from the page cache (hit) or the database (miss).");
        meter.CreateObservableGauge("kura_uploads_in_flight", () => UploadsInFlight, description: "Image uploads and stagings being received now.");
        meter.CreateObservableGauge("kura_images", ImagesByStatus, description: "Images in the catalog (not deleted), by status, as of the last scrape of /metrics.");
        meter.CreateObservableGauge("kura_database_up", () => _databaseUp, description: "1 when the database answered the last scrape of /metrics, else 0.");
        meter.CreateObservableCounter("kura_recovery_passes", () => recovery.Passes, description: "Recovery passes this node ran for the cluster.");
        meter.CreateObservableCounter("kura_recovery_requeued_images", () => recovery.Requeued, description: "Images a stopped node left in saving or importing, put back to queued.");
        meter.CreateObservableCounter("kura_recovery_failed_tasks", () => recovery.TasksFailed, description: "Import tasks of stopped nodes marked failed.");
        meter.CreateObservableCounter("kura_recovery_removed_blobs", () => recovery.Removed, description: "Stored data removed by recovery: objects no image points at, half-written uploads.");
        meter.CreateObservableCounter("kura_cluster_heartbeat_failures", () => recovery.BeatsFailed, description: "Heartbeats (lease renewal and recovery) that failed, the database away.");
        meter.CreateObservableGauge("dotnet_gc_heap", () => GC.GetGCMemoryInfo().HeapSizeBytes, "By", "Managed heap size after the last collection.");
        meter.CreateObservableGauge("dotnet_gc_committed", () => GC.GetGCMemoryInfo().TotalCommittedBytes, "By", "Memory the garbage collector has committed.");
        meter.CreateObservableGauge("process_resident_memory", ResidentBytes, "By", "Resident memory of this Kura process.");
    }

    public long UploadsInFlight => Interlocked.Read(ref _uploadsInFlight);

    public void Record(string method, string route, int status, TimeSpan elapsed, long bytesIn, long bytesOut)
    {
        var code = status is >= 0 and < 600 ? Codes[status] : status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _requests.Add(1, new KeyValuePair<string, object?>("method", method), new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("code", code));
        _duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("method", method), new KeyValuePair<string, object?>("route", route));
        Interlocked.Add(ref _bytesIn, bytesIn);
        Interlocked.Add(ref _bytesOut, bytesOut);
    }

    /// <summary>Counts a <c>GET /v2/images</c> answered from the page cache, or not.</summary>
    public void CountListPage(bool hit) => Interlocked.Increment(ref hit ? ref _listCacheHits : ref _listCacheMisses);

    /// <summary>The catalogue's counts by status, read by the caller (an asynchronous database query) before a scrape.</summary>
    public void SetImagesByStatus(IReadOnlyDictionary<string, long> counts)
    {
        _imagesByStatus = counts;
        _databaseUp = 1;
    }

    /// <summary>The database did not answer a scrape's query: <c>kura_database_up</c> is 0 until it does.</summary>
    public void DatabaseUnavailable() => _databaseUp = 0;

    public IDisposable UploadStarted()
    {
        Interlocked.Increment(ref _uploadsInFlight);
        return new Ended(this);
    }

    private Measurement<long>[] ListCache() =>
    [
        new(Interlocked.Read(ref _listCacheHits), new KeyValuePair<string, object?>("result", "hit")),
        new(Interlocked.Read(ref _listCacheMisses), new KeyValuePair<string, object?>("result", "miss")),
    ];

    private IEnumerable<Measurement<long>> ImagesByStatus() =>
        _imagesByStatus.Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("status", p.Key)));

    private static long ResidentBytes()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    private sealed class Ended(KuraMetrics metrics) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                Interlocked.Decrement(ref metrics._uploadsInFlight);
            }
        }
    }
}
