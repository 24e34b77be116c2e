using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Kura.Tests.Support;

namespace Kura.Tests.Storage;

/// <summary>
/// Kura as its own process, killed with SIGKILL in the middle of an upload and started again on the same data
/// directory: the image must be queued and no byte of the half-written upload may remain.
/// </summary>
public sealed class KillTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("kura-kill-").FullName;
    private KuraProcess? _kura;

    public void Dispose()
    {
        _kura?.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    private static async Task<string> TokenAsync(HttpClient http)
    {
        var body = """{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"id": "default"}, "password": "admin-secret-pw"}}}, "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}""";
        using var response = await http.PostAsync("identity/v3/auth/tokens", new StringContent(body, Encoding.UTF8, "application/json"));
        return response.Headers.GetValues("X-Subject-Token").Single();
    }

    [Fact]
    public async Task Sigkill_during_an_upload_leaves_a_queued_image_and_no_data_after_restart()
    {
        _kura = await KuraProcess.StartAsync(_data);
        var (url, port) = (_kura.Url, _kura.Port);
        using var http = new HttpClient { BaseAddress = new Uri(url + "/") };
        var token = await TokenAsync(http);
        http.DefaultRequestHeaders.Add("X-Auth-Token", token);
        using var created = await http.PostAsync("v2/images", new StringContent("""{"disk_format": "raw", "container_format": "bare"}"""));
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();

        // Send 8 MiB of a declared 64 MiB body, wait until Kura is saving, then kill it without warning.
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"PUT /v2/images/{id}/file HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Auth-Token: {token}\r\n" +
                "Content-Type: application/octet-stream\r\nContent-Length: 67108864\r\n\r\n"));
            await stream.WriteAsync(new byte[8 << 20]);
            await stream.FlushAsync();
            for (var i = 0; i < 100; i++)
            {
                var status = JsonNode.Parse(await http.GetStringAsync($"v2/images/{id}"))!["status"]!.GetValue<string>();
                if (status == "saving")
                {
                    break;
                }

                await Task.Delay(50);
            }

            Assert.NotEmpty(Directory.GetFiles(Path.Combine(_data, "blobs", "tmp")));
            await _kura.KillAsync();
        }

        _kura.Dispose();
        _kura = await KuraProcess.StartAsync(_data, port);
        var image = JsonNode.Parse(await http.GetStringAsync($"v2/images/{id}"))!;
        Assert.Equal("queued", image["status"]!.GetValue<string>());
        Assert.Null(image["size"]);
        Assert.Empty(Directory.GetFiles(Path.Combine(_data, "blobs", "tmp")));
        Assert.False(File.Exists(Path.Combine(_data, "blobs", "images", id)));

        // And it takes a full upload now.
        var content = new ByteArrayContent(new byte[1000]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var retry = await http.PutAsync($"v2/images/{id}/file", content);
        Assert.Equal(HttpStatusCode.NoContent, retry.StatusCode);
    }
}
