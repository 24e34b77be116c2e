using static Kura.Tests.Providers.NhnFixture;

namespace Kura.Tests.Providers;

/// <summary>A Kura with the Conoha preset and ConoHa's own defaults (50 GB, steps of 500 GB).</summary>
public sealed class ConohaFixture : IAsyncLifetime
{
    public KuraHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await KuraHost.StartAsync(null, "--Policy:Preset=Conoha");

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>ConoHa's extras (reference §2.2): quota, usage, the per-project quota on upload and import, the ISO flow.</summary>
public sealed class ConohaTests(ConohaFixture fixture) : IClassFixture<ConohaFixture>
{
    private const int MiB = 1 << 20;

    private KuraHost Host => fixture.Host;

    private static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Quota(string size) => new JsonObject { ["quota"] = new JsonObject { ["image_size"] = size } }.ToJsonString();

    private static async Task<KuraHost> SmallQuotaHostAsync() =>
        await KuraHost.StartAsync(null, "--Policy:Preset=Conoha", $"--Policy:ConohaDefaultImageSize={MiB}", $"--Policy:ConohaImageSizeStep={MiB}");

    private static async Task AssertGlanceErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        // Glance's error page: JSON {"message","code","title"} when JSON is accepted, else its plain-text form.
        Assert.Equal(status, response.StatusCode);
        Assert.StartsWith($"{(int)status} ", await GlanceCodeAsync(response));
    }

    private static async Task<string> QuotaOfAsync(KuraHost host, string token) =>
        (await host.SendJsonAsync(HttpMethod.Get, "v2/quota", token, null))["quota"]!["image_size"]!.GetValue<string>();

    private static async Task<long> TotalOfAsync(KuraHost host, string token) =>
        (await host.SendJsonAsync(HttpMethod.Get, "v2/images/total", token, null))["images"]!["size"]!.GetValue<long>();

    [Fact]
    public async Task The_quota_starts_at_50GB_and_grows_in_500GB_steps_per_project()
    {
        var account = await Host.CreateAccountAsync("quota-steps");
        var other = await Host.CreateAccountAsync("quota-other");
        Assert.Equal("""{"quota":{"image_size":"50GB"}}""", await (await Host.SendAsync(HttpMethod.Get, "v2/quota", account.Token)).Content.ReadAsStringAsync());

        var set = await Host.SendJsonAsync(HttpMethod.Put, "v2/quota", account.Token, JsonNode.Parse(Quota("550GB")));
        Assert.Equal("""{"quota":{"image_size":"550GB"}}""", set.ToJsonString());
        Assert.Equal("550GB", await QuotaOfAsync(Host, account.Token));
        Assert.Equal("50GB", await QuotaOfAsync(Host, other.Token));

        await Host.SendJsonAsync(HttpMethod.Put, "v2/quota", account.Token, JsonNode.Parse(Quota("1050GB")));
        await Host.SendJsonAsync(HttpMethod.Put, "v2/quota", account.Token, JsonNode.Parse(Quota("50GB")));
        Assert.Equal("50GB", await QuotaOfAsync(Host, account.Token));
    }

    [Theory]
    [InlineData("{\"quota\":{\"image_size\":\"100GB\"}}")]
    [InlineData("{\"quota\":{\"image_size\":\"0GB\"}}")]
    [InlineData("{\"quota\":{\"image_size\":\"550\"}}")]
    [InlineData("{\"quota\":{\"image_size\":\"abcGB\"}}")]
    [InlineData("{\"quota\":{\"image_size\":550}}")]
    [InlineData("{\"quota\":{}}")]
    [InlineData("{\"image_size\":\"550GB\"}")]
    [InlineData("{\"quota\":")]
    [InlineData("[]")]
    public async Task A_bad_quota_request_is_400_in_glances_shape_and_changes_nothing(string body)
    {
        var account = await Host.CreateAccountAsync("bad-quota-" + Math.Abs(body.GetHashCode(StringComparison.Ordinal)));
        using var response = await Host.SendAsync(HttpMethod.Put, "v2/quota", account.Token, JsonBody(body));
        await AssertGlanceErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("50GB", await QuotaOfAsync(Host, account.Token));
    }

    [Fact]
    public async Task Quota_and_usage_need_a_token()
    {
        foreach (var (method, path) in new[] { (HttpMethod.Get, "v2/quota"), (HttpMethod.Put, "v2/quota"), (HttpMethod.Get, "v2/images/total") })
        {
            using var response = await Host.SendAsync(method, path, "bad-token", method == HttpMethod.Put ? JsonBody(Quota("550GB")) : null);
            await AssertGlanceErrorAsync(response, HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task Glances_usage_reports_the_projects_image_size_quota_that_uploads_enforce()
    {
        var account = await Host.CreateAccountAsync("usage-limit");
        var usage = await Host.SendJsonAsync(HttpMethod.Get, "v2/info/usage", account.Token, null);
        Assert.Equal(50 * 1024, usage["usage"]!["image_size_total"]!["limit"]!.GetValue<long>());
        await Host.SendJsonAsync(HttpMethod.Put, "v2/quota", account.Token, JsonNode.Parse("""{"quota":{"image_size":"550GB"}}"""));
        usage = await Host.SendJsonAsync(HttpMethod.Get, "v2/info/usage", account.Token, null);
        Assert.Equal(550 * 1024, usage["usage"]!["image_size_total"]!["limit"]!.GetValue<long>());
    }

    [Fact]
    public async Task Usage_counts_the_bytes_of_the_projects_images()
    {
        var account = await Host.CreateAccountAsync("usage");
        Assert.Equal(0, await TotalOfAsync(Host, account.Token));
        var id = (await Host.CreateImageAsync(account.Token))["id"]!.GetValue<string>();
        using (var upload = await Host.UploadAsync(account.Token, id, new ByteArrayContent(new byte[3000])))
        {
            Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
        }

        Assert.Equal("""{"images":{"size":3000}}""", await (await Host.SendAsync(HttpMethod.Get, "v2/images/total", account.Token)).Content.ReadAsStringAsync());
        Assert.Equal(0, await TotalOfAsync(Host, (await Host.CreateAccountAsync("usage-other")).Token));
    }

    [Fact]
    public async Task The_sdk_flow_creates_an_iso_record_uploads_it_and_lists_it()
    {
        var account = await Host.CreateAccountAsync("iso-flow");
        var created = await Host.CreateImageAsync(account.Token, new JsonObject
        {
            ["name"] = "my.iso",
            ["disk_format"] = "iso",
            ["hw_rescue_bus"] = "ide",
            ["hw_rescue_device"] = "cdrom",
            ["container_format"] = "bare",
        });
        Assert.Equal("queued", created["status"]!.GetValue<string>());
        Assert.Equal("ide", created["hw_rescue_bus"]!.GetValue<string>());
        Assert.Equal("cdrom", created["hw_rescue_device"]!.GetValue<string>());
        Assert.Null(created["size"]);
        var id = created["id"]!.GetValue<string>();

        var iso = new byte[0x8000 + 4096];
        iso[0x8000] = 1;
        "CD001"u8.CopyTo(iso.AsSpan(0x8001));
        BitConverter.TryWriteBytes(iso.AsSpan(0x8000 + 80), 18u);
        BitConverter.TryWriteBytes(iso.AsSpan(0x8000 + 128), (ushort)2048);
        using (var upload = await Host.UploadAsync(account.Token, id, new ByteArrayContent(iso)))
        {
            Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
        }

        var shown = await Host.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", account.Token, null);
        Assert.Equal("active", shown["status"]!.GetValue<string>());
        Assert.Equal(iso.Length, shown["size"]!.GetValue<long>());

        var listed = await Host.SendJsonAsync(HttpMethod.Get, "v2/images?hw_rescue_device=cdrom&sort=created_at:desc&visibility=shared", account.Token, null);
        Assert.Equal(id, listed["images"]![0]!["id"]!.GetValue<string>());
        Assert.Equal(iso.Length, await TotalOfAsync(Host, account.Token));
    }

    [Fact]
    public async Task A_list_by_os_type_and_sort_works_as_the_conoha_clients_ask_it()
    {
        var account = await Host.CreateAccountAsync("os-type-list");
        var linux = (await Host.CreateImageAsync(account.Token, new JsonObject { ["name"] = "l", ["disk_format"] = "raw", ["container_format"] = "bare", ["os_type"] = "linux" }))["id"]!.GetValue<string>();
        await Host.CreateImageAsync(account.Token, new JsonObject { ["name"] = "w", ["disk_format"] = "raw", ["container_format"] = "bare", ["os_type"] = "windows" });
        var listed = await Host.SendJsonAsync(HttpMethod.Get, "v2/images?os_type=linux&sort=name:asc&limit=200", account.Token, null);
        Assert.Equal([linux], listed["images"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToArray());
    }

    [Fact]
    public async Task Uploads_past_the_projects_quota_are_413_and_leave_nothing()
    {
        await using var host = await SmallQuotaHostAsync();
        var account = await host.CreateAccountAsync("quota-up");
        var first = (await host.CreateImageAsync(account.Token))["id"]!.GetValue<string>();
        using (var over = await host.UploadAsync(account.Token, first, new ByteArrayContent(new byte[MiB + 1])))
        {
            await AssertGlanceErrorAsync(over, HttpStatusCode.RequestEntityTooLarge);
        }

        Assert.Equal("queued", (await host.SendJsonAsync(HttpMethod.Get, $"v2/images/{first}", account.Token, null))["status"]!.GetValue<string>());
        Assert.Equal(0, await TotalOfAsync(host, account.Token));
        using (var fits = await host.UploadAsync(account.Token, first, new ByteArrayContent(new byte[MiB])))
        {
            Assert.Equal(HttpStatusCode.NoContent, fits.StatusCode);
        }

        var second = (await host.CreateImageAsync(account.Token))["id"]!.GetValue<string>();
        using (var full = await host.UploadAsync(account.Token, second, new ByteArrayContent(new byte[1])))
        {
            await AssertGlanceErrorAsync(full, HttpStatusCode.RequestEntityTooLarge);
        }

        // A bigger plan makes room; shrinking below what is stored is refused.
        Assert.Equal("0.001953125GB", (await host.SendJsonAsync(HttpMethod.Put, "v2/quota", account.Token, JsonNode.Parse(Quota("0.001953125GB"))))["quota"]!["image_size"]!.GetValue<string>());
        using (var now = await host.UploadAsync(account.Token, second, new ByteArrayContent(new byte[MiB])))
        {
            Assert.Equal(HttpStatusCode.NoContent, now.StatusCode);
        }

        using (var shrink = await host.SendAsync(HttpMethod.Put, "v2/quota", account.Token, JsonBody(Quota("0.0009765625GB"))))
        {
            await AssertGlanceErrorAsync(shrink, HttpStatusCode.Conflict);
        }

        Assert.Equal("0.001953125GB", await QuotaOfAsync(host, account.Token));
        Assert.Equal(2 * MiB, await TotalOfAsync(host, account.Token));
    }

    [Fact]
    public async Task Imports_past_the_projects_quota_are_413()
    {
        await using var host = await SmallQuotaHostAsync();
        var account = await host.CreateAccountAsync("quota-import");
        await host.SendJsonAsync(HttpMethod.Put, "v2/quota", account.Token, JsonNode.Parse(Quota("0.001953125GB"))); // 2 MiB

        // Staged data is bounded by the room left; then a stored image takes most of it, and the import no longer fits.
        var staged = (await host.CreateImageAsync(account.Token))["id"]!.GetValue<string>();
        var stage = new ByteArrayContent(new byte[3 * MiB / 2]);
        stage.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        Assert.Equal(HttpStatusCode.NoContent, await host.StatusAsync(HttpMethod.Put, $"v2/images/{staged}/stage", account.Token, stage, accept: null));

        var stored = (await host.CreateImageAsync(account.Token))["id"]!.GetValue<string>();
        using (var upload = await host.UploadAsync(account.Token, stored, new ByteArrayContent(new byte[MiB])))
        {
            Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
        }

        using (var import = await host.SendAsync(HttpMethod.Post, $"v2/images/{staged}/import", account.Token, JsonBody("""{"method":{"name":"glance-direct"}}""")))
        {
            await AssertGlanceErrorAsync(import, HttpStatusCode.RequestEntityTooLarge);
        }

        Assert.Equal("uploading", (await host.SendJsonAsync(HttpMethod.Get, $"v2/images/{staged}", account.Token, null))["status"]!.GetValue<string>());

        // Full: even a web-download, whose size is unknown, is refused before it starts.
        var third = (await host.CreateImageAsync(account.Token))["id"]!.GetValue<string>();
        var fill = (await host.CreateImageAsync(account.Token))["id"]!.GetValue<string>();
        using (var rest = await host.UploadAsync(account.Token, fill, new ByteArrayContent(new byte[MiB])))
        {
            Assert.Equal(HttpStatusCode.NoContent, rest.StatusCode);
        }

        using (var web = await host.SendAsync(HttpMethod.Post, $"v2/images/{third}/import", account.Token,
                   JsonBody("""{"method":{"name":"web-download","uri":"http://example.com/disk.img"}}""")))
        {
            await AssertGlanceErrorAsync(web, HttpStatusCode.RequestEntityTooLarge);
        }

        Assert.Equal("queued", (await host.SendJsonAsync(HttpMethod.Get, $"v2/images/{third}", account.Token, null))["status"]!.GetValue<string>());
    }
}

/// <summary>Under the default preset nothing of the providers is mounted: Glance answers as before.</summary>
public sealed class DefaultPresetTests(KuraHostFixture fixture) : IClassFixture<KuraHostFixture>
{
    [Theory]
    [InlineData("v2/quota", HttpStatusCode.NotFound)]
    [InlineData("v2/images/total", HttpStatusCode.NotFound)]
    [InlineData("v1.0/appkeys/x/images", HttpStatusCode.MultipleChoices)]
    [InlineData("compute/v1.0/appkeys/x/images", HttpStatusCode.MultipleChoices)]
    public async Task Provider_routes_are_not_there(string path, HttpStatusCode status)
    {
        var admin = await fixture.Host.AdminTokenAsync();
        using var response = await fixture.Host.SendAsync(HttpMethod.Get, path, admin);
        Assert.Equal(status, response.StatusCode);
    }

    [Fact]
    public async Task Images_without_os_type_and_community_images_are_fine()
    {
        var admin = await fixture.Host.AdminTokenAsync();
        var image = await fixture.Host.CreateImageAsync(admin, new JsonObject
        {
            ["name"] = "plain",
            ["disk_format"] = "raw",
            ["container_format"] = "bare",
            ["visibility"] = "community",
            ["tags"] = new JsonArray("_x"),
        });
        Assert.Equal("community", image["visibility"]!.GetValue<string>());
    }
}
