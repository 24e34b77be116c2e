using System.Diagnostics;
using Kura.Api.Common;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Kura.Tests.Api;

/// <summary>
/// Traces over OTLP/HTTP to a receiver in the test: one request's span has the caller's <c>traceparent</c> as its
/// parent and the request id on it, and under it its database work with the SQL and its blob-store calls (with
/// Swift or S3, the store's own HTTP requests, which carry <c>traceparent</c> on, as the token checks at Keystone do);
/// sampling follows the caller's decision; without an endpoint nothing traces.
/// </summary>
public sealed class TracingTests : IAsyncLifetime
{
    private OtlpReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await OtlpReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private string[] TracingArgs(double sampleRatio = 1.0) =>
        [$"--Telemetry:Otlp:Endpoint={_receiver.Endpoint}", $"--Telemetry:Otlp:SampleRatio={sampleRatio}", "--OTEL_BSP_SCHEDULE_DELAY=200"];

    [Fact]
    public async Task An_upload_is_one_trace_under_the_callers_span_with_its_sql_and_its_store_calls()
    {
        await using var kura = await KuraHost.StartAsync(null, TracingArgs());
        var token = await kura.AdminTokenAsync();
        var id = (await kura.CreateImageAsync(token))["id"]!.GetValue<string>();

        var (traceId, parentId, response) = await UploadTracedAsync(kura, token, id, sampled: true);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var requestId = response.Headers.GetValues(RequestIdMiddleware.Header).Single();

        var trace = await _receiver.TraceAsync(traceId, t => t.Any(s => s.Kind == 2) && t.Any(s => s.Name == "blob put") && t.Any(IsDatabase));
        var server = Assert.Single(trace, s => s.Kind == 2);
        Assert.Equal(parentId, server.ParentSpanId);
        Assert.Equal("PUT", server.Attributes["http.request.method"]);
        Assert.Equal("/v2/images/{imageId}/file", server.Attributes["http.route"]);
        Assert.Equal(requestId, server.Attributes["openstack.request_id"]);

        var put = Assert.Single(trace, s => s.Name == "blob put");
        Assert.Equal("FileSystem", put.Attributes["kura.blob.store"]);
        Assert.Equal("5", put.Attributes["kura.blob.bytes"]);
        Assert.True(Descends(put, server, trace), "the blob put is not under the request's span");

        var database = trace.Where(IsDatabase).ToList();
        Assert.All(database, s => Assert.True(Descends(s, server, trace), $"{s.Name} is not under the request's span"));
        Assert.Contains(trace, s => Sql(s).Any(q => q.Contains("images", StringComparison.OrdinalIgnoreCase)));

        // No value of the request (the token, the image's bytes) is in any attribute.
        Assert.DoesNotContain(trace, s => s.Attributes.Values.Any(v => v.Contains(token, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Sampling_follows_the_callers_decision_and_the_ratio_decides_the_rest()
    {
        await using var kura = await KuraHost.StartAsync(null, TracingArgs(sampleRatio: 0));
        var token = await kura.AdminTokenAsync();
        var sampled = (await kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        var unsampled = (await kura.CreateImageAsync(token))["id"]!.GetValue<string>();

        var (unsampledTrace, _, first) = await UploadTracedAsync(kura, token, unsampled, sampled: false);
        var (sampledTrace, _, second) = await UploadTracedAsync(kura, token, sampled, sampled: true);
        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, second.StatusCode);

        await _receiver.TraceAsync(sampledTrace, t => t.Any(s => s.Kind == 2) && t.Any(s => s.Name == "blob put"));
        Assert.DoesNotContain(_receiver.Spans, s => s.TraceId == unsampledTrace);
        // Ratio 0 and no caller: nothing of the token request or the creates was recorded.
        Assert.All(_receiver.Spans.Where(s => s.Kind == 2), s => Assert.Equal(sampledTrace, s.TraceId));
    }

    [Fact]
    public async Task Without_an_endpoint_nothing_is_traced()
    {
        await using var kura = await KuraHost.StartAsync();
        Assert.Null(kura.Services.GetService<TracerProvider>());
    }

    /// <summary>
    /// With the data in Swift or S3 (through a proxy that records what reaches the store), the blob put holds the
    /// store's HTTP requests as client spans, and each request carries the trace on the wire in <c>traceparent</c>.
    /// </summary>
    [Theory]
    [InlineData("Swift")]
    [InlineData("S3")]
    public async Task With_an_object_store_its_requests_are_under_the_blob_put_and_carry_the_traceparent(string store)
    {
        var container = SwiftServer.NewContainerName();
        var options = SwiftServer.SwiftOptions(container);
        await using var proxy = new FlakyProxy(new IPEndPoint(IPAddress.Loopback, new Uri(options.AuthUrl).Port));
        try
        {
            string[] storeArgs = store == "Swift"
                ? [.. SwiftServer.SwiftArgs(container), $"--Blobs:Swift:AuthUrl={proxy.Through(options.AuthUrl)}",
                    $"--Blobs:Swift:StorageUrl={proxy.Through(await SwiftServer.StorageUrlAsync())}", "--Resilience:Swift:PooledConnectionLifetime=00:00:00"]
                : [.. SwiftServer.S3Args(container), $"--Blobs:S3:ServiceUrl={proxy.Through(SwiftServer.S3Options(container).ServiceUrl)}",
                    "--Resilience:S3:PooledConnectionLifetime=00:00:00"];
            await using var kura = await KuraHost.StartAsync(null, [.. TracingArgs(), .. storeArgs]);
            var token = await kura.AdminTokenAsync();
            var id = (await kura.CreateImageAsync(token))["id"]!.GetValue<string>();
            var (traceId, _, response) = await UploadTracedAsync(kura, token, id, sampled: true);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

            var trace = await _receiver.TraceAsync(traceId, t => t.Any(s => s.Name == "blob put") && t.Any(s => s.Kind == 3 && s.Attributes.GetValueOrDefault("http.request.method") == "PUT"));
            var put = Assert.Single(trace, s => s.Name == "blob put");
            Assert.Equal(store, put.Attributes["kura.blob.store"]);
            var storePuts = trace.Where(s => s.Kind == 3 && s.Attributes.GetValueOrDefault("http.request.method") == "PUT" && s.Attributes["url.full"].Contains(container, StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(storePuts);
            Assert.All(storePuts, s => Assert.True(Descends(s, put, trace), $"{s.Name} is not under the blob put"));

            // The image's own PUTs (the containers may have been made before, by another trace).
            var onTheWire = proxy.Heads.Where(h => h.StartsWith("PUT ", StringComparison.Ordinal) && h.Split("\r\n")[0].Contains(id, StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(onTheWire);
            Assert.All(onTheWire, h => Assert.Contains($"traceparent: 00-{traceId}-", h, StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            await SwiftServer.DropAsync(container);
        }
    }

    /// <summary>Behind the cloud's Keystone, the token check of a traced request carries the trace to Keystone.</summary>
    [Fact]
    public async Task Behind_keystone_the_token_validation_carries_the_traceparent()
    {
        await using var proxy = new FlakyProxy(new IPEndPoint(IPAddress.Loopback, new Uri(KeystoneServer.Url).Port));
        await using var kura = await KuraHost.StartBehindKeystoneAsync(
        [
            .. KeystoneServer.KuraArgs(), .. TracingArgs(), $"--Identity:Keystone:AuthUrl={proxy.Through(KeystoneServer.Url)}",
            "--Resilience:Keystone:PooledConnectionLifetime=00:00:00",
        ]);
        var account = await kura.CreateAccountAsync(KeystoneServer.Unique("traced"));
        var (traceId, _, response) = await SendTracedAsync(kura, new HttpRequestMessage(HttpMethod.Get, "v2/images"), account.Token, sampled: true);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var validation = Assert.Single(proxy.Heads, h => h.StartsWith("GET /v3/auth/tokens", StringComparison.Ordinal) && h.Contains(account.Token, StringComparison.Ordinal));
        Assert.Contains($"traceparent: 00-{traceId}-", validation, StringComparison.OrdinalIgnoreCase);
        var trace = await _receiver.TraceAsync(traceId, t => t.Any(s => s.Kind == 2) && t.Any(s => s.Kind == 3));
        var server = Assert.Single(trace, s => s.Kind == 2);
        Assert.Contains(trace, s => s.Kind == 3 && s.Attributes["url.full"].Contains("/v3/auth/tokens", StringComparison.Ordinal) && Descends(s, server, trace));
    }

    /// <summary>PUTs five bytes with a <c>traceparent</c> of a new trace; returns the trace id and the caller's span id.</summary>
    private static Task<(string TraceId, string ParentId, HttpResponseMessage Response)> UploadTracedAsync(KuraHost kura, string token, string id, bool sampled)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"v2/images/{id}/file") { Content = new ByteArrayContent("hello"u8.ToArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return SendTracedAsync(kura, request, token, sampled);
    }

    /// <summary>Sends <paramref name="request"/> with a <c>traceparent</c> of a new trace; returns the trace id and the caller's span id.</summary>
    private static async Task<(string TraceId, string ParentId, HttpResponseMessage Response)> SendTracedAsync(KuraHost kura, HttpRequestMessage request, string token, bool sampled)
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var parentId = ActivitySpanId.CreateRandom().ToHexString();
        request.Headers.Add("X-Auth-Token", token);
        request.Headers.Add("traceparent", $"00-{traceId}-{parentId}-{(sampled ? "01" : "00")}");
        // A client that sends the header as written: this process's HttpClients are traced by the host's provider,
        // which would otherwise put its own span's traceparent in its place.
        using var caller = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = new Uri(kura.BaseUrl) };
        using (request)
        {
            return (traceId, parentId, await caller.SendAsync(request));
        }
    }

    private static bool IsDatabase(OtlpSpan span) => span.Attributes.ContainsKey("db.system.name") || span.Attributes.ContainsKey("db.system");

    /// <summary>SQL on a span: an event of Kura's session span (SQLite), or the attribute of Npgsql's command span.</summary>
    private static IEnumerable<string> Sql(OtlpSpan span) =>
        span.Events.Where(e => e.Name == "db.query").Select(e => e.Attributes["db.query.text"])
            .Concat(new[] { "db.query.text", "db.statement" }.Where(span.Attributes.ContainsKey).Select(k => span.Attributes[k]));

    private static bool Descends(OtlpSpan span, OtlpSpan ancestor, List<OtlpSpan> trace)
    {
        for (var current = span; current is not null; current = trace.FirstOrDefault(s => s.SpanId == current.ParentSpanId))
        {
            if (current.ParentSpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }
}
