using System.Diagnostics;

namespace Kura.Tests.Cluster;

/// <summary>
/// The Swift proxy stopped under a Kura on PostgreSQL with its data in Swift, or in S3 through Swift's s3api (found
/// by the cluster chaos test: these were 500s and an upload left its image in saving): an upload is Glance's 503
/// and leaves the image queued, a download is 503, a delete succeeds, and once the proxy is back (and the store's
/// circuit breaker, opened meanwhile, has tried it again) the recovery sweep removes the deleted image's data. The
/// proxy really stops (<c>KURA_TEST_SWIFT_CONTROL</c>, set by scripts/test.sh), so this runs alone.
/// </summary>
[Collection(DatabaseRestartCollection.Name)]
public sealed class ObjectStoreOutageTests : IAsyncLifetime
{
    private readonly string _container = SwiftServer.NewContainerName();
    private string _database = "";
    private string _connectionString = "";
    private KuraHost? _kura;

    public async Task InitializeAsync() => (_database, _connectionString) = await PostgresServer.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        await ServiceControl.SwiftAsync("proxy-start");
        if (_kura is not null)
        {
            await _kura.DisposeAsync();
        }

        await SwiftServer.DropAsync(_container);
        await PostgresServer.DropDatabaseAsync(_database);
    }

    [Theory]
    [InlineData("Swift")]
    [InlineData("S3")]
    public async Task With_the_store_away_uploads_and_downloads_are_503_deletes_succeed_and_nothing_is_left_behind(string store)
    {
        string[] storeArgs = store == "Swift" ? SwiftServer.SwiftArgs(_container) : SwiftServer.S3Args(_container);
        // The sweep every heartbeat fails while the store is away, so its circuit opens; a short break has it tried
        // again soon after the proxy is back.
        var kura = _kura = await KuraHost.StartNodeAsync(Directory.CreateTempSubdirectory("kura-store-outage-").FullName, _connectionString,
            [.. storeArgs, "--Cluster:HeartbeatInterval=00:00:00.300", "--Cluster:LeaseTime=00:00:02",
                "--Resilience:Swift:BreakDuration=00:00:00.500", "--Resilience:S3:BreakDuration=00:00:00.500"]);
        var token = await kura.AdminTokenAsync();
        var stored = (await kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        var data = RandomNumberGenerator.GetBytes(3 << 20);
        using (var upload = await kura.UploadAsync(token, stored, new ByteArrayContent(data)))
        {
            Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
        }

        var waiting = (await kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        await ServiceControl.SwiftAsync("proxy-stop");
        foreach (var size in new[] { 1000, 3 << 20 })
        {
            using var upload = await kura.UploadAsync(token, waiting, new ByteArrayContent(RandomNumberGenerator.GetBytes(size)));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, upload.StatusCode);
            Assert.Contains("503 Service Unavailable", await upload.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal("queued", (await kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{waiting}", token, null))["status"]!.GetValue<string>());
        }

        using (var download = await kura.SendAsync(HttpMethod.Get, $"v2/images/{stored}/file", token, null, accept: null))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, download.StatusCode);
        }

        using (var deleted = await kura.SendAsync(HttpMethod.Delete, $"v2/images/{stored}", token, null))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        await ServiceControl.SwiftAsync("proxy-start");
        // A probe of the circuit may have failed just before the proxy was back: it is tried again after the break
        // (0.5 s), and closes on the first call that succeeds (the sweep's, every 0.3 s).
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        using (var upload = await kura.UploadAsync(token, waiting, new ByteArrayContent(data)))
        {
            Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
        }

        // The deleted image's object and segments go with the next sweep (data older than a lease's time).
        var watch = Stopwatch.StartNew();
        while ((await SwiftServer.ListAsync(_container)).Contains(stored) && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(300);
        }

        Assert.Equal([waiting], await SwiftServer.ListAsync(_container));
        var segments = await SwiftServer.ListAsync(_container + (store == "Swift" ? "_segments" : "+segments"));
        Assert.All(segments, segment => Assert.StartsWith(waiting + "/", segment, StringComparison.Ordinal));
    }
}
