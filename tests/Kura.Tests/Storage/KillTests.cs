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


    [Fact]
    public async Task Sigkill_during_an_upload_leaves_a_queued_image_and_no_data_after_restart()
    {
        _kura = await KuraProcess.StartAsync(_data);
        var (url, port) = (_kura.Url, _kura.Port);
        using var http = new HttpClient { BaseAddress = new Uri(url + "/") };
        var token = await KuraProcess.AdminTokenAsync(http);
        http.DefaultRequestHeaders.Add("X-Auth-Token", token);
        using var created = await http.PostAsync("v2/images", new StringContent("""{"disk_format": "raw", "container_format": "bare"}"""));
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();

        // Send 8 MiB of a declared 64 MiB body, wait until Kura is saving, then kill it without warning.
        using (await KuraHost.StartRawUploadAsync(url, token, id, 64 << 20, 8 << 20))
        {
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
