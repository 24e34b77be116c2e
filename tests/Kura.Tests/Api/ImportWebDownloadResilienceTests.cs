using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Kura.Tests.Api;

/// <summary>
/// Web-download through the <c>web-download</c> outbound pipeline, from a source on loopback behind
/// <see cref="FlakyProxy"/> resetting every other connection (one connection per request): the GETs that never got an
/// answer are retried, the source serves the image once, and the imported image's checksum is the source's.
/// </summary>
public sealed class ImportWebDownloadResilienceTests : IAsyncLifetime
{
    private static readonly byte[] Payload = RandomNumberGenerator.GetBytes(200_000);
    private WebApplication _source = null!;
    private FlakyProxy _proxy = null!;
    private int _served;

    public async Task InitializeAsync()
    {
        _source = await LoopbackWebServer.StartAsync(source => source.MapGet("/image.raw", () =>
        {
            Interlocked.Increment(ref _served);
            return Results.Bytes(Payload, "application/octet-stream");
        }));
        _proxy = new FlakyProxy(new IPEndPoint(IPAddress.Loopback, new Uri(_source.Urls.First()).Port)) { DropEveryOther = true };
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _source.DisposeAsync();
    }

    [Fact]
    public async Task Gets_that_got_no_answer_are_retried_and_the_source_serves_the_image_once()
    {
        await using var kura = await KuraHost.StartAsync(null, "--Import:DisallowPrivateAddresses=false", $"--Import:AllowedPorts:0={_proxy.Port}",
            "--Resilience:WebDownload:PooledConnectionLifetime=00:00:00", "--Resilience:WebDownload:RetryDelay=00:00:00.020");
        var token = await kura.AdminTokenAsync();
        foreach (var round in Enumerable.Range(0, 3))
        {
            var id = (await kura.CreateImageAsync(token))["id"]!.GetValue<string>();
            using (var import = await kura.SendAsync(HttpMethod.Post, $"v2/images/{id}/import", token, new StringContent(
                $$$"""{"method": {"name": "web-download", "uri": "http://127.0.0.1:{{{_proxy.Port}}}/image.raw"}}""", Encoding.UTF8, "application/json")))
            {
                Assert.Equal(HttpStatusCode.Accepted, import.StatusCode);
            }

            var deadline = DateTime.UtcNow.AddSeconds(30);
            JsonNode image;
            while ((image = await kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null))["status"]!.GetValue<string>() != "active")
            {
                Assert.True(DateTime.UtcNow < deadline, $"round {round}: the import never finished: {image.ToJsonString()}");
                await Task.Delay(50);
            }

            Assert.Equal(Convert.ToHexStringLower(MD5.HashData(Payload)), image["checksum"]!.GetValue<string>());
            Assert.Equal(round + 1, _served);
        }

        Assert.True(_proxy.Dropped >= 2, $"the proxy reset only {_proxy.Dropped} connections");
    }
}
