using System.Security.Cryptography;
using System.Text.Json;
using Kura.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kura.Dashboard.Tests;

/// <summary>
/// CORS as a browser enforces it: a page served by another Kestrel (another origin, as Horizon is to Glance) calls
/// Kura's image API with <c>fetch</c>. Every call carries <c>X-Auth-Token</c>, so Chromium sends a preflight first
/// and only goes on if Kura answers it; from an origin Kura does not allow, nothing reaches the API.
/// </summary>
[Collection("browser")]
public sealed class CorsBrowserTests(BrowserFixture fixture)
{
    private const int Size = 8 << 20;

    /// <summary>Creates an image, uploads <c>size</c> patterned bytes, shows and downloads it, reading the headers Kura exposes.</summary>
    private const string Script = """
        async ({ kura, token, name, size }) => {
          const auth = { 'X-Auth-Token': token };
          const bytes = new Uint8Array(size);
          for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 255;
          try {
            const created = await fetch(kura + '/v2/images', {
              method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' },
              body: JSON.stringify({ name, disk_format: 'raw', container_format: 'bare' }) });
            const image = await created.json();
            const upload = await fetch(`${kura}/v2/images/${image.id}/file`, {
              method: 'PUT', headers: { ...auth, 'Content-Type': 'application/octet-stream' }, body: new Blob([bytes]) });
            const shown = await (await fetch(`${kura}/v2/images/${image.id}`, { headers: auth })).json();
            const download = await fetch(`${kura}/v2/images/${image.id}/file`, { headers: auth });
            const back = new Uint8Array(await download.arrayBuffer());
            let same = back.length === bytes.length;
            for (let i = 0; same && i < back.length; i++) same = back[i] === bytes[i];
            return {
              outcome: 'answered', created: created.status, location: created.headers.get('Location'),
              createRequestId: created.headers.get('X-OpenStack-Request-ID'), uploaded: upload.status,
              uploadRequestId: upload.headers.get('X-OpenStack-Request-ID'), status: shown.status, size: shown.size,
              hash: shown.os_hash_value, downloaded: download.status, contentMd5: download.headers.get('Content-MD5'),
              checksum: shown.checksum, same,
            };
          } catch (e) {
            return { outcome: e.name + ': ' + e.message };
          }
        }
        """;

    [Fact]
    public async Task A_page_on_an_allowed_origin_uploads_and_downloads_and_another_origin_gets_nothing()
    {
        await using var horizon = await PageServer.StartAsync();
        await using var stranger = await PageServer.StartAsync();
        await using var kura = await KuraHost.StartAsync(null, $"--Cors:AllowedOrigins:0={horizon.Origin}");
        var account = await kura.CreateAccountAsync("cors");

        var page = await fixture.Browser.NewPageAsync();
        await page.GotoAsync(horizon.Origin + "/");
        var result = await page.EvaluateAsync<JsonElement>(Script, new { kura = kura.BaseUrl, token = account.Token, name = "cors-upload", size = Size });
        Assert.True(result.GetProperty("outcome").GetString() == "answered", result.ToString());
        Assert.Equal(201, result.GetProperty("created").GetInt32());
        Assert.StartsWith(kura.BaseUrl + "/v2/images/", result.GetProperty("location").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("req-", result.GetProperty("createRequestId").GetString(), StringComparison.Ordinal);
        Assert.Equal(204, result.GetProperty("uploaded").GetInt32());
        Assert.StartsWith("req-", result.GetProperty("uploadRequestId").GetString(), StringComparison.Ordinal);
        Assert.Equal("active", result.GetProperty("status").GetString());
        Assert.Equal(Size, result.GetProperty("size").GetInt64());

        var expected = new byte[Size];
        for (var i = 0; i < Size; i++)
        {
            expected[i] = (byte)((i * 31) + 7);
        }

        Assert.Equal(Convert.ToHexStringLower(SHA512.HashData(expected)), result.GetProperty("hash").GetString());
        Assert.Equal(200, result.GetProperty("downloaded").GetInt32());
        Assert.Equal(result.GetProperty("checksum").GetString(), result.GetProperty("contentMd5").GetString());
        Assert.True(result.GetProperty("same").GetBoolean());

        // The same script from an origin Kura does not name: Chromium's preflight is refused, so fetch fails before
        // the create is ever sent, and the project holds only the image the allowed page made.
        var other = await fixture.Browser.NewPageAsync();
        await other.GotoAsync(stranger.Origin + "/");
        var refused = await other.EvaluateAsync<JsonElement>(Script, new { kura = kura.BaseUrl, token = account.Token, name = "cors-refused", size = 1024 });
        Assert.StartsWith("TypeError", refused.GetProperty("outcome").GetString(), StringComparison.Ordinal);
        var images = await kura.SendJsonAsync(HttpMethod.Get, "v2/images?owner=" + account.ProjectId, account.Token, null);
        Assert.Equal(["cors-upload"], images["images"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()));
    }

    /// <summary>A Kestrel on its own loopback port serving one empty HTML page: the other origin.</summary>
    private sealed class PageServer : IAsyncDisposable
    {
        private WebApplication _app = null!;

        public string Origin { get; private set; } = null!;

        public static async Task<PageServer> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0"]);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            var server = new PageServer { _app = builder.Build() };
            server._app.MapGet("/", () => Results.Content("<!doctype html><title>another origin</title><p>Horizon stands here.</p>", "text/html"));
            await server._app.StartAsync();
            server.Origin = server._app.Urls.First().TrimEnd('/');
            return server;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
