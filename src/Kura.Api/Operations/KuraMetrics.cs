using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Kura.Api.Operations;

/// <summary>
/// The counters behind <c>/metrics</c>: requests and their latency per method, route template and status, bytes in
/// and out, and uploads in flight. Lock-free counters; label sets are bounded by the route table.
/// </summary>
public sealed class KuraMetrics
{
    /// <summary>Latency histogram bounds, in seconds (Prometheus' defaults).</summary>
    private static readonly double[] Bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly ConcurrentDictionary<(string Method, string Route, int Status), Counter> _requests = new();
    private readonly ConcurrentDictionary<(string Method, string Route), Histogram> _latency = new();
    private long _bytesIn;
    private long _bytesOut;
    private long _uploadsInFlight;
    private long _listCacheHits;
    private long _listCacheMisses;

    public long UploadsInFlight => Interlocked.Read(ref _uploadsInFlight);

    public void Record(string method, string route, int status, TimeSpan elapsed, long bytesIn, long bytesOut)
    {
        Interlocked.Increment(ref _requests.GetOrAdd((method, route, status), _ => new Counter()).Value);
        _latency.GetOrAdd((method, route), _ => new Histogram()).Observe(elapsed.TotalSeconds);
        Interlocked.Add(ref _bytesIn, bytesIn);
        Interlocked.Add(ref _bytesOut, bytesOut);
    }

    /// <summary>Counts a <c>GET /v2/images</c> answered from the page cache, or not.</summary>
    public void CountListPage(bool hit) => Interlocked.Increment(ref hit ? ref _listCacheHits : ref _listCacheMisses);

    public IDisposable UploadStarted()
    {
        Interlocked.Increment(ref _uploadsInFlight);
        return new Ended(this);
    }

    /// <summary>The Prometheus text exposition (version 0.0.4) of everything counted, plus <paramref name="imagesByStatus"/>.</summary>
    public string Render(IReadOnlyDictionary<string, long> imagesByStatus, long residentBytes)
    {
        var text = new StringBuilder();
        text.Append("# HELP kura_http_requests_total HTTP requests answered, by method, route template and status.\n# TYPE kura_http_requests_total counter\n");
        foreach (var ((method, route, status), counter) in _requests.OrderBy(p => p.Key.Route, StringComparer.Ordinal).ThenBy(p => p.Key.Method, StringComparer.Ordinal).ThenBy(p => p.Key.Status))
        {
            text.Append(CultureInfo.InvariantCulture, $"kura_http_requests_total{{method=\"{method}\",route=\"{Escape(route)}\",code=\"{status}\"}} {Interlocked.Read(ref counter.Value)}\n");
        }

        text.Append("# HELP kura_http_request_duration_seconds Time from the request's arrival to its last byte, by method and route template.\n# TYPE kura_http_request_duration_seconds histogram\n");
        foreach (var ((method, route), histogram) in _latency.OrderBy(p => p.Key.Route, StringComparer.Ordinal).ThenBy(p => p.Key.Method, StringComparer.Ordinal))
        {
            var labels = $"method=\"{method}\",route=\"{Escape(route)}\"";
            long cumulative = 0;
            for (var i = 0; i < Bounds.Length; i++)
            {
                cumulative += Interlocked.Read(ref histogram.Buckets[i]);
                text.Append(CultureInfo.InvariantCulture, $"kura_http_request_duration_seconds_bucket{{{labels},le=\"{Bounds[i]}\"}} {cumulative}\n");
            }

            var count = Interlocked.Read(ref histogram.Count);
            text.Append(CultureInfo.InvariantCulture, $"kura_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}\n");
            text.Append(CultureInfo.InvariantCulture, $"kura_http_request_duration_seconds_sum{{{labels}}} {histogram.Sum:0.######}\n");
            text.Append(CultureInfo.InvariantCulture, $"kura_http_request_duration_seconds_count{{{labels}}} {count}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"# HELP kura_http_request_bytes_total Bytes of request bodies read.\n# TYPE kura_http_request_bytes_total counter\nkura_http_request_bytes_total {Interlocked.Read(ref _bytesIn)}\n");
        text.Append(CultureInfo.InvariantCulture, $"# HELP kura_http_response_bytes_total Bytes of response bodies written.\n# TYPE kura_http_response_bytes_total counter\nkura_http_response_bytes_total {Interlocked.Read(ref _bytesOut)}\n");
        text.Append(CultureInfo.InvariantCulture, $"# HELP kura_uploads_in_flight Image uploads and stagings being received now.\n# TYPE kura_uploads_in_flight gauge\nkura_uploads_in_flight {UploadsInFlight}\n");
        text.Append(CultureInfo.InvariantCulture, $"# HELP kura_list_cache_requests_total Image list pages served from the page cache (hit) or the database (miss).\n# TYPE kura_list_cache_requests_total counter\nkura_list_cache_requests_total{{result=\"hit\"}} {Interlocked.Read(ref _listCacheHits)}\nkura_list_cache_requests_total{{result=\"miss\"}} {Interlocked.Read(ref _listCacheMisses)}\n");
        text.Append("# HELP kura_images Images in the catalog (not deleted), by status.\n# TYPE kura_images gauge\n");
        foreach (var (status, count) in imagesByStatus.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"kura_images{{status=\"{Escape(status)}\"}} {count}\n");
        }

        var gc = GC.GetGCMemoryInfo();
        text.Append(CultureInfo.InvariantCulture, $"# HELP dotnet_gc_heap_bytes Managed heap size after the last collection.\n# TYPE dotnet_gc_heap_bytes gauge\ndotnet_gc_heap_bytes {gc.HeapSizeBytes}\n");
        text.Append(CultureInfo.InvariantCulture, $"# HELP dotnet_gc_committed_bytes Memory the garbage collector has committed.\n# TYPE dotnet_gc_committed_bytes gauge\ndotnet_gc_committed_bytes {gc.TotalCommittedBytes}\n");
        text.Append(CultureInfo.InvariantCulture, $"# HELP process_resident_memory_bytes Resident memory of this Kura process.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {residentBytes}\n");
        return text.ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private sealed class Counter
    {
        public long Value;
    }

    private sealed class Histogram
    {
        public readonly long[] Buckets = new long[Bounds.Length];
        public long Count;
        private long _sumMicros;

        public double Sum => Interlocked.Read(ref _sumMicros) / 1e6;

        public void Observe(double seconds)
        {
            var i = Array.FindIndex(Bounds, b => seconds <= b);
            if (i >= 0)
            {
                Interlocked.Increment(ref Buckets[i]);
            }

            Interlocked.Increment(ref Count);
            Interlocked.Add(ref _sumMicros, (long)(seconds * 1e6));
        }
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
