using System.Diagnostics;
using Kura.Api.Common;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Kura.Tests.Api;

/// <summary>
/// Traces over OTLP/HTTP to a receiver in the test: one request's span has the caller's <c>traceparent</c> as its
/// parent and the request id on it, and under it its database work with the SQL and its blob-store calls (with
/// Swift, the store's own HTTP requests); sampling follows the caller's decision; without an endpoint nothing traces.
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

    /// <summary>With the data in Swift, the blob put holds the store's HTTP requests, each a client span.</summary>
    [Fact]
    public async Task With_swift_the_store_calls_hold_the_http_requests_to_swift()
    {
        var container = SwiftServer.NewContainerName();
        try
        {
            await using var kura = await KuraHost.StartAsync(null, [.. TracingArgs(), .. SwiftServer.SwiftArgs(container)]);
            var token = await kura.AdminTokenAsync();
            var id = (await kura.CreateImageAsync(token))["id"]!.GetValue<string>();
            var (traceId, _, response) = await UploadTracedAsync(kura, token, id, sampled: true);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

            var trace = await _receiver.TraceAsync(traceId, t => t.Any(s => s.Name == "blob put") && t.Any(s => s.Kind == 3 && s.Attributes.GetValueOrDefault("http.request.method") == "PUT"));
            var put = Assert.Single(trace, s => s.Name == "blob put");
            Assert.Equal("Swift", put.Attributes["kura.blob.store"]);
            var swiftPut = Assert.Single(trace, s => s.Kind == 3 && s.Attributes.GetValueOrDefault("http.request.method") == "PUT" && s.Attributes["url.full"].Contains(container, StringComparison.Ordinal));
            Assert.True(Descends(swiftPut, put, trace), "Swift's PUT is not under the blob put");
        }
        finally
        {
            await SwiftServer.DropAsync(container);
        }
    }

    /// <summary>PUTs five bytes with a <c>traceparent</c> of a new trace; returns the trace id and the caller's span id.</summary>
    private static async Task<(string TraceId, string ParentId, HttpResponseMessage Response)> UploadTracedAsync(KuraHost kura, string token, string id, bool sampled)
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var parentId = ActivitySpanId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Put, $"v2/images/{id}/file") { Content = new ByteArrayContent("hello"u8.ToArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Add("X-Auth-Token", token);
        request.Headers.Add("traceparent", $"00-{traceId}-{parentId}-{(sampled ? "01" : "00")}");
        // A client that sends the header as written: this process's HttpClients are traced by the host's provider,
        // which would otherwise put its own span's traceparent in its place.
        using var caller = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = new Uri(kura.BaseUrl) };
        return (traceId, parentId, await caller.SendAsync(request));
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
