using System.Diagnostics;

namespace Kura.Tests.Reliability;

/// <summary>
/// A Kura on the real Swift through <see cref="FlakyProxy"/>, with one connection per request
/// (<c>Resilience:Swift:PooledConnectionLifetime=0</c>) so that the proxy's faults hit requests: every other
/// connection reset is absorbed by the outbound pipeline's retries without writing anything twice; a segment cut off
/// mid-body is not retried and the upload fails cleanly; and with the proxy gone the circuit breaker opens, uploads
/// and downloads are Glance's 503 at once, and it all works again once the proxy is back and the break is over.
/// </summary>
public sealed class SwiftResilienceTests : IAsyncLifetime
{
    private const int SegmentSize = 1 << 20;
    private readonly string _container = SwiftServer.NewContainerName();
    private FlakyProxy _proxy = null!;
    private KuraHost? _kura;

    public Task InitializeAsync()
    {
        var swift = new Uri(SwiftServer.SwiftOptions(_container).AuthUrl);
        _proxy = new FlakyProxy(new IPEndPoint(IPAddress.Loopback, swift.Port));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_kura is not null)
        {
            await _kura.DisposeAsync();
        }

        await _proxy.DisposeAsync();
        await SwiftServer.DropAsync(_container);
    }

    private string Segments => _container + "_segments";

    private async Task<KuraHost> StartKuraAsync(params string[] extraArgs)
    {
        var options = SwiftServer.SwiftOptions(_container);
        var storage = await SwiftServer.StorageUrlAsync();
        return _kura = await KuraHost.StartAsync(null,
        [
            .. SwiftServer.SwiftArgs(_container),
            $"--Blobs:Swift:AuthUrl={_proxy.Through(options.AuthUrl)}",
            $"--Blobs:Swift:StorageUrl={_proxy.Through(storage)}",
            $"--Blobs:Swift:SegmentSize={SegmentSize}",
            "--Resilience:Swift:PooledConnectionLifetime=00:00:00",
            .. extraArgs,
        ]);
    }

    private int SegmentPuts(string imageId) =>
        _proxy.Requests.Count(r => r.StartsWith($"PUT /v1/", StringComparison.Ordinal) && r.Contains($"/{Segments}/{imageId}/", StringComparison.Ordinal));

    [Fact]
    public async Task Through_a_proxy_that_resets_every_other_connection_images_go_up_and_down_intact_and_nothing_is_written_twice()
    {
        _proxy.DropEveryOther = true;
        var kura = await StartKuraAsync("--Resilience:Swift:RetryDelay=00:00:00.020");
        var token = await kura.AdminTokenAsync();
        var images = new Dictionary<string, byte[]>();
        foreach (var size in new[] { 100_000, (3 * SegmentSize) + 12345 })
        {
            var id = (await kura.CreateImageAsync(token))["id"]!.GetValue<string>();
            var data = RandomNumberGenerator.GetBytes(size);
            images[id] = data;
            await kura.UploadOkAsync(token, id, data);

            var image = await kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null);
            Assert.Equal("active", image["status"]!.GetValue<string>());
            Assert.Equal(Convert.ToHexStringLower(MD5.HashData(data)), image["checksum"]!.GetValue<string>());
        }

        foreach (var (id, data) in images)
        {
            await kura.AssertDataAsync(token, id, data);
        }

        Assert.True(_proxy.Dropped >= 10, $"the proxy reset only {_proxy.Dropped} connections");

        // One object per image, and the large one's four segments, each PUT once, all of one upload.
        Assert.Equal(images.Keys.Order(), (await SwiftServer.ListAsync(_container)).Order());
        var large = images.Single(i => i.Value.Length > SegmentSize).Key;
        var segments = await SwiftServer.ListAsync(Segments);
        Assert.Equal(4, segments.Count);
        Assert.Single(segments.Select(s => s.Split('/')[1]).Distinct());
        Assert.All(segments, s => Assert.StartsWith(large + "/", s, StringComparison.Ordinal));
        Assert.Equal(4, SegmentPuts(large));
        Assert.Single(_proxy.Requests, r => r.StartsWith($"PUT /v1/", StringComparison.Ordinal) && r.Contains($"/{_container}/{large}?multipart-manifest=put", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_segment_cut_off_mid_body_is_not_sent_again_and_the_upload_fails_cleanly()
    {
        var kura = await StartKuraAsync();
        var token = await kura.AdminTokenAsync();
        var id = (await kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        var data = RandomNumberGenerator.GetBytes(3 * SegmentSize);

        _proxy.CutAfterBytes = 256 << 10;
        using (var upload = await kura.UploadAsync(token, id, new ByteArrayContent(data)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, upload.StatusCode);
            Assert.Contains("503 Service Unavailable", await upload.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        _proxy.CutAfterBytes = null;
        Assert.Equal(1, SegmentPuts(id));
        Assert.Equal("queued", (await kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null))["status"]!.GetValue<string>());
        Assert.Empty(await SwiftServer.ListAsync(_container));
        Assert.Empty(await SwiftServer.ListAsync(Segments));

        // The client may send the image again: it is stored once.
        await kura.UploadOkAsync(token, id, data);

        Assert.Equal(3, (await SwiftServer.ListAsync(Segments)).Count);
    }

    [Fact]
    public async Task With_the_proxy_gone_the_breaker_opens_uploads_and_downloads_are_503_at_once_and_all_recovers_after_the_break()
    {
        using var polly = new PollyMeter();
        var breakDuration = TimeSpan.FromSeconds(3);
        var kura = await StartKuraAsync("--Resilience:Swift:BreakerMinimumThroughput=4", $"--Resilience:Swift:BreakDuration={breakDuration}");
        var token = await kura.AdminTokenAsync();
        var stored = (await kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        var data = RandomNumberGenerator.GetBytes(2 * SegmentSize);
        await kura.UploadOkAsync(token, stored, data);

        var waiting = (await kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        _proxy.Stop();

        // Refused connections, retried with backoff, until enough calls failed for the circuit to open.
        for (var i = 0; i < 30 && !polly.Saw("OnCircuitOpened", "swift-outbound"); i++)
        {
            using var failing = await kura.SendAsync(HttpMethod.Get, $"v2/images/{stored}/file", token, null, accept: null);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failing.StatusCode);
        }

        Assert.True(polly.Saw("OnCircuitOpened", "swift-outbound"), "no OnCircuitOpened on the Polly meter for swift; seen: " + polly.Describe());

        // Open: no connection is tried, no backoff waited; both answer Glance's 503 well under the timeouts.
        var watch = Stopwatch.StartNew();
        using (var upload = await kura.UploadAsync(token, waiting, new ByteArrayContent(RandomNumberGenerator.GetBytes(3 * SegmentSize))))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, upload.StatusCode);
            Assert.Contains("503 Service Unavailable", await upload.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var download = await kura.SendAsync(HttpMethod.Get, $"v2/images/{stored}/file", token, null, accept: null))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, download.StatusCode);
            Assert.Contains("The image store is unavailable", await download.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        watch.Stop();
        Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(750), $"an upload and a download with the circuit open took {watch.Elapsed}");
        Assert.Equal("queued", (await kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{waiting}", token, null))["status"]!.GetValue<string>());

        _proxy.Start();
        await Task.Delay(breakDuration + TimeSpan.FromMilliseconds(500));
        await kura.UploadOkAsync(token, waiting, data);
        await kura.AssertDataAsync(token, stored, data);

        Assert.True(polly.Saw("OnCircuitClosed", "swift-outbound"), "no OnCircuitClosed for swift; seen: " + polly.Describe());
    }
}
