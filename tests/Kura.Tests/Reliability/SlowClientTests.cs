namespace Kura.Tests.Reliability;

/// <summary>
/// Slow and abusive clients: a body dripped below the minimum data rate and headers that never finish are cut off
/// (Kestrel's limits, set in appsettings.json), the image goes back to queued with nothing kept, and while dozens of
/// such clients hang on, everyone else is served at once.
/// </summary>
public sealed class SlowClientTests
{
    [Fact]
    public async Task Slow_drip_uploads_and_unfinished_headers_are_cut_off_and_do_not_starve_others()
    {
        // Shorter grace periods than the shipped ones, so the test does not wait for minutes.
        await using var kura = await KuraHost.StartAsync(null,
            "--Kestrel:Limits:MinRequestBodyDataRate:BytesPerSecond=1000", "--Kestrel:Limits:MinRequestBodyDataRate:GracePeriod=00:00:02",
            "--Kestrel:Limits:RequestHeadersTimeout=00:00:02");
        var token = await kura.AdminTokenAsync();
        var port = new Uri(kura.BaseUrl).Port;
        var id = (await kura.CreateImageAsync(token))["id"]!.GetValue<string>();

        // One upload dripping a byte every 200 ms, and 40 connections that never finish their headers.
        using var drip = new TcpClient();
        await drip.ConnectAsync(IPAddress.Loopback, port);
        var dripStream = drip.GetStream();
        await dripStream.WriteAsync(Encoding.ASCII.GetBytes(
            $"PUT /v2/images/{id}/file HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: {token}\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n"));
        var hangers = new List<TcpClient>();
        for (var i = 0; i < 40; i++)
        {
            var hanger = new TcpClient();
            await hanger.ConnectAsync(IPAddress.Loopback, port);
            await hanger.GetStream().WriteAsync(Encoding.ASCII.GetBytes("GET /v2/images HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Aut"));
            hangers.Add(hanger);
        }

        // Meanwhile others are served promptly.
        var started = DateTime.UtcNow;
        Assert.Equal(HttpStatusCode.OK, await kura.StatusAsync(HttpMethod.Get, "v2/images", token, null));

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2), "a normal request waited behind slow clients");

        // The dripping upload is cut off within a few seconds, and the image is queued again with no data kept.
        var cut = false;
        for (var i = 0; i < 100 && !cut; i++)
        {
            try
            {
                await dripStream.WriteAsync(new byte[1]);
                await Task.Delay(200);
                cut = drip.Client.Poll(0, SelectMode.SelectRead) && drip.Client.Available == 0;
            }
            catch (IOException)
            {
                cut = true;
            }
        }

        Assert.True(cut, "the slow-drip upload was never cut off");
        await kura.WaitForStatusAsync(token, id, "queued");
        Assert.Empty(Directory.GetFiles(Path.Combine(kura.DataDirectory, "blobs", "tmp")));

        // The header-hangers were dropped too.
        await Task.Delay(TimeSpan.FromSeconds(3));
        foreach (var hanger in hangers)
        {
            var closed = hanger.Client.Poll(1_000_000, SelectMode.SelectRead);
            var buffer = new byte[1024];
            Assert.True(closed && (hanger.Client.Available == 0 || (await hanger.GetStream().ReadAsync(buffer)) >= 0), "a connection with unfinished headers was kept open");
            hanger.Dispose();
        }
    }
}
