using System.Diagnostics;

namespace Kura.Tests.Storage;

/// <summary>
/// Image data on a 24 MiB tmpfs: an upload that does not fit fails with Glance's 413, leaves no byte behind and the
/// image queued, and Kura keeps serving reads and smaller uploads. Mounting needs root, as CI runs.
/// </summary>
public sealed class FullDiskTests : IAsyncLifetime
{
    private readonly string _mount = Directory.CreateTempSubdirectory("kura-fulldisk-").FullName;

    public async Task InitializeAsync() => await RunAsync("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", _mount);

    public async Task DisposeAsync()
    {
        await RunAsync("umount", "-l", _mount);
        Directory.Delete(_mount);
    }

    [Fact]
    public async Task An_upload_larger_than_the_free_space_is_413_leaves_nothing_and_kura_keeps_serving()
    {
        await using var kura = await KuraHost.StartAsync(null, $"--Blobs:Path={_mount}");
        var token = await kura.AdminTokenAsync();
        var small = (await kura.CreateImageAsync(token, new JsonObject { ["name"] = "small", ["disk_format"] = "raw", ["container_format"] = "bare" }))["id"]!.GetValue<string>();
        using (var ok = await kura.UploadAsync(token, small, new ByteArrayContent(new byte[4 << 20])))
        {
            Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        }

        var big = (await kura.CreateImageAsync(token, new JsonObject { ["name"] = "big", ["disk_format"] = "raw", ["container_format"] = "bare" }))["id"]!.GetValue<string>();
        using (var full = await kura.UploadAsync(token, big, new ByteArrayContent(new byte[40 << 20])))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, full.StatusCode);
            Assert.Contains("Image storage media is full", await full.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal("queued", (await kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{big}", token, null))["status"]!.GetValue<string>());
        Assert.Empty(Directory.GetFiles(Path.Combine(_mount, "tmp")));
        Assert.Equal([small], Directory.GetFiles(Path.Combine(_mount, "images")).Select(Path.GetFileName));

        // Reads go on, and an upload that fits succeeds, on the image that failed.
        using (var download = await kura.SendAsync(HttpMethod.Get, $"v2/images/{small}/file", token, null))
        {
            Assert.Equal(4 << 20, (await download.Content.ReadAsByteArrayAsync()).Length);
        }

        Assert.Equal(2, (await kura.SendJsonAsync(HttpMethod.Get, "v2/images", token, null))["images"]!.AsArray().Count);
        using var retry = await kura.UploadAsync(token, big, new ByteArrayContent(new byte[8 << 20]));
        Assert.Equal(HttpStatusCode.NoContent, retry.StatusCode);
        Assert.Equal("active", (await kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{big}", token, null))["status"]!.GetValue<string>());
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} failed (the test needs root): {error}");
    }
}
