namespace Kura.Tests.Api;

/// <summary>Size cap, storage quota and concurrent uploads (reference §1.11.1, §1.18).</summary>
public sealed class UploadLimitsTests
{
    private static async Task<string> ImageAsync(KuraHost host, string token) =>
        (await host.CreateImageAsync(token))["id"]!.GetValue<string>();

    private static void AssertNoData(KuraHost host, string id)
    {
        Assert.False(File.Exists(Path.Combine(host.DataDirectory, "blobs", "images", id)));
        Assert.Empty(Directory.GetFiles(Path.Combine(host.DataDirectory, "blobs", "tmp")));
    }

    [Fact]
    public async Task An_upload_over_the_size_cap_is_413_and_leaves_nothing()
    {
        await using var host = await KuraHost.StartAsync(null, "--Images:SizeCap=3000000");
        var token = await host.AdminTokenAsync();
        var id = await ImageAsync(host, token);
        using (var response = await host.UploadAsync(token, id, new ByteArrayContent(new byte[3_000_001])))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        Assert.Equal("queued", (await host.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null))["status"]!.GetValue<string>());
        AssertNoData(host, id);
        using var exact = await host.UploadAsync(token, id, new ByteArrayContent(new byte[3_000_000]));
        Assert.Equal(HttpStatusCode.NoContent, exact.StatusCode);
    }

    [Fact]
    public async Task A_json_body_over_the_limit_is_413_and_the_connection_still_serves_the_next_request()
    {
        await using var host = await KuraHost.StartAsync();
        var token = await host.AdminTokenAsync();
        var uri = new Uri(host.BaseUrl);
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        var stream = client.GetStream();
        var body = new byte[2_000_000];
        Array.Fill(body, (byte)'x');
        var head = $"POST /v2/images HTTP/1.1\r\nHost: {uri.Authority}\r\nX-Auth-Token: {token}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body);
        Assert.StartsWith("HTTP/1.1 413", await ReadResponseAsync(stream));

        // The whole body was read and dropped, so Kestrel keeps the connection: the next request is answered on it.
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET /healthz HTTP/1.1\r\nHost: {uri.Authority}\r\n\r\n"));
        Assert.StartsWith("HTTP/1.1 200", await ReadResponseAsync(stream));
    }

    /// <summary>Reads one response (Content-Length or chunked body) from a raw HTTP/1.1 connection; returns its head.</summary>
    private static async Task<string> ReadResponseAsync(System.Net.Sockets.NetworkStream stream)
    {
        var text = new System.Text.StringBuilder();
        var one = new byte[1];
        while (!text.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            Assert.Equal(1, await stream.ReadAsync(one));
            text.Append((char)one[0]);
        }

        var head = text.ToString();
        if (head.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (!text.ToString().EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal))
            {
                Assert.Equal(1, await stream.ReadAsync(one));
                text.Append((char)one[0]);
            }

            return head;
        }

        var length = System.Text.RegularExpressions.Regex.Match(head, "(?i)content-length: *(\\d+)");
        var buffer = new byte[length.Success ? int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0];
        await stream.ReadExactlyAsync(buffer);
        return head;
    }

    [Fact]
    public async Task The_project_storage_quota_counts_what_the_project_already_stores()
    {
        await using var host = await KuraHost.StartAsync(null, "--Images:StorageQuota=5000");
        var account = await host.CreateAccountAsync("quota");
        var first = await ImageAsync(host, account.Token);
        using (var ok = await host.UploadAsync(account.Token, first, new ByteArrayContent(new byte[3000])))
        {
            Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        }

        var second = await ImageAsync(host, account.Token);
        using (var over = await host.UploadAsync(account.Token, second, new ByteArrayContent(new byte[2001])))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, over.StatusCode);
            Assert.Contains("quota", await over.Content.ReadAsStringAsync());
        }

        AssertNoData(host, second);

        // Another project has its own quota; deleting frees room.
        var other = await host.CreateAccountAsync("quota2");
        using (var elsewhere = await host.UploadAsync(other.Token, await ImageAsync(host, other.Token), new ByteArrayContent(new byte[4000])))
        {
            Assert.Equal(HttpStatusCode.NoContent, elsewhere.StatusCode);
        }

        using (await host.SendAsync(HttpMethod.Delete, $"v2/images/{first}", account.Token))
        {
        }

        using var fits = await host.UploadAsync(account.Token, second, new ByteArrayContent(new byte[4000]));
        Assert.Equal(HttpStatusCode.NoContent, fits.StatusCode);
        var usage = await host.SendJsonAsync(HttpMethod.Get, "v2/info/usage", account.Token, null);
        Assert.Equal(1, usage["usage"]!["image_count_total"]!["usage"]!.GetValue<long>());
    }

    [Fact]
    public async Task Of_concurrent_uploads_to_one_image_exactly_one_wins()
    {
        await using var host = await KuraHost.StartAsync();
        var token = await host.AdminTokenAsync();
        for (var round = 0; round < 5; round++)
        {
            var id = await ImageAsync(host, token);
            var bodies = Enumerable.Range(0, 4).Select(i => Enumerable.Repeat((byte)(i + 1), 200_000 + i).ToArray()).ToArray();
            var statuses = await Task.WhenAll(bodies.Select(async body =>
            {
                using var response = await host.UploadAsync(token, id, new ByteArrayContent(body));
                return response.StatusCode;
            }));
            Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.NoContent));
            Assert.All(statuses.Where(s => s != HttpStatusCode.NoContent), s => Assert.Equal(HttpStatusCode.Conflict, s));

            var winner = bodies[Array.IndexOf(statuses, HttpStatusCode.NoContent)];
            var image = await host.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null);
            Assert.Equal(winner.Length, image["size"]!.GetValue<long>());
            using var download = await host.SendAsync(HttpMethod.Get, $"v2/images/{id}/file", token);
            Assert.Equal(winner, await download.Content.ReadAsByteArrayAsync());
            Assert.Empty(Directory.GetFiles(Path.Combine(host.DataDirectory, "blobs", "tmp")));
        }
    }
}
