using static Kura.Tests.Providers.NhnFixture;

namespace Kura.Tests.Providers;

/// <summary>Each rule of the Nhn preset through Glance's <c>/v2</c>, answered in Glance's shape with nothing changed.</summary>
public sealed class NhnPresetTests(NhnFixture fixture) : IClassFixture<NhnFixture>
{
    private KuraHost Host => fixture.Host;

    private static StringContent JsonBody(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static StringContent Patch(string op, string path, JsonNode? value) =>
        new(new JsonArray(new JsonObject { ["op"] = op, ["path"] = path, ["value"] = value }).ToJsonString(), Encoding.UTF8, "application/openstack-images-v2.1-json-patch");

    private async Task<JsonNode> ShowAsync(string id) => await Host.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", await Host.AdminTokenAsync(), null);

    private async Task AssertGlanceErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        // Glance's error page: JSON {"message","code","title"} when JSON is accepted, else its plain-text form.
        Assert.Equal(status, response.StatusCode);
        Assert.StartsWith($"{(int)status} ", await GlanceCodeAsync(response));
    }

    private async Task<int> ImageCountAsync(string token) =>
        (await Host.SendJsonAsync(HttpMethod.Get, "v2/images", token, null))["images"]!.AsArray().Count;

    [Theory]
    [InlineData(null)]
    [InlineData("macos")]
    [InlineData("Linux")]
    public async Task Os_type_is_required_on_create(string? osType)
    {
        var account = await Host.CreateAccountAsync("os-type-" + (osType ?? "none"));
        var body = new JsonObject { ["name"] = "no-os", ["disk_format"] = "raw", ["container_format"] = "bare" };
        if (osType is not null)
        {
            body["os_type"] = osType;
        }

        using var response = await Host.SendAsync(HttpMethod.Post, "v2/images", account.Token, JsonBody(body));
        await AssertGlanceErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(0, await ImageCountAsync(account.Token));

        body["os_type"] = "windows";
        Assert.Equal(HttpStatusCode.Created, await Host.StatusAsync(HttpMethod.Post, "v2/images", account.Token, JsonBody(body)));
    }

    [Fact]
    public async Task Os_type_cannot_be_removed_or_set_to_another_value()
    {
        var id = await ImageAsync(Host, fixture.Alpha.Token, "os-kept");
        using (var remove = await Host.SendAsync(HttpMethod.Patch, $"v2/images/{id}", fixture.Alpha.Token, Patch("remove", "/os_type", null)))
        {
            await AssertGlanceErrorAsync(remove, HttpStatusCode.BadRequest);
        }

        using (var replace = await Host.SendAsync(HttpMethod.Patch, $"v2/images/{id}", fixture.Alpha.Token, Patch("replace", "/os_type", "bsd")))
        {
            await AssertGlanceErrorAsync(replace, HttpStatusCode.BadRequest);
        }

        Assert.Equal("linux", (await ShowAsync(id))["os_type"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, await Host.StatusAsync(HttpMethod.Patch, $"v2/images/{id}", fixture.Alpha.Token, Patch("replace", "/os_type", "windows")));
    }

    [Fact]
    public async Task Users_may_only_make_private_or_shared_images()
    {
        var account = await Host.CreateAccountAsync("visibility");
        var body = new JsonObject { ["name"] = "c", ["disk_format"] = "raw", ["container_format"] = "bare", ["os_type"] = "linux", ["visibility"] = "community" };
        using (var create = await Host.SendAsync(HttpMethod.Post, "v2/images", account.Token, JsonBody(body)))
        {
            await AssertGlanceErrorAsync(create, HttpStatusCode.Forbidden);
        }

        Assert.Equal(0, await ImageCountAsync(account.Token));
        var id = await ImageAsync(Host, account.Token, "p");
        using (var patch = await Host.SendAsync(HttpMethod.Patch, $"v2/images/{id}", account.Token, Patch("replace", "/visibility", "community")))
        {
            await AssertGlanceErrorAsync(patch, HttpStatusCode.Forbidden);
        }

        Assert.Equal("private", (await ShowAsync(id))["visibility"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, await Host.StatusAsync(HttpMethod.Patch, $"v2/images/{id}", account.Token, Patch("replace", "/visibility", "shared")));

        // The cloud admin publishes the provider's images.
        var admin = await Host.AdminTokenAsync();
        Assert.Equal("public", (await Host.CreateImageAsync(admin, new JsonObject
        {
            ["name"] = "pub",
            ["disk_format"] = "raw",
            ["container_format"] = "bare",
            ["os_type"] = "linux",
            ["visibility"] = "public",
        }))["visibility"]!.GetValue<string>());
    }

    [Fact]
    public async Task Public_images_cannot_be_deleted_even_by_the_admin()
    {
        var admin = await Host.AdminTokenAsync();
        var id = await ImageAsync(Host, admin, "public-one", "public");
        using (var delete = await Host.SendAsync(HttpMethod.Delete, $"v2/images/{id}", admin))
        {
            await AssertGlanceErrorAsync(delete, HttpStatusCode.Forbidden);
        }

        Assert.Equal("queued", (await ShowAsync(id))["status"]!.GetValue<string>());
        using (await Host.SendAsync(HttpMethod.Patch, $"v2/images/{id}", admin, Patch("replace", "/visibility", "private")))
        {
        }

        Assert.Equal(HttpStatusCode.NoContent, await Host.StatusAsync(HttpMethod.Delete, $"v2/images/{id}", admin));
    }

    [Fact]
    public async Task User_tags_must_not_start_with_an_underscore()
    {
        var body = new JsonObject
        {
            ["name"] = "t",
            ["disk_format"] = "raw",
            ["container_format"] = "bare",
            ["os_type"] = "linux",
            ["tags"] = new JsonArray("ok", "_AVAILABLE_"),
        };
        var before = await ImageCountAsync(fixture.Beta.Token);
        using (var create = await Host.SendAsync(HttpMethod.Post, "v2/images", fixture.Beta.Token, JsonBody(body)))
        {
            await AssertGlanceErrorAsync(create, HttpStatusCode.BadRequest);
        }

        Assert.Equal(before, await ImageCountAsync(fixture.Beta.Token));
        var id = await ImageAsync(Host, fixture.Beta.Token, "tagged");
        using (var put = await Host.SendAsync(HttpMethod.Put, $"v2/images/{id}/tags/_AVAILABLE_", fixture.Beta.Token))
        {
            await AssertGlanceErrorAsync(put, HttpStatusCode.BadRequest);
        }

        using (var patch = await Host.SendAsync(HttpMethod.Patch, $"v2/images/{id}", fixture.Beta.Token, Patch("replace", "/tags", new JsonArray("_x"))))
        {
            await AssertGlanceErrorAsync(patch, HttpStatusCode.BadRequest);
        }

        Assert.Empty((await ShowAsync(id))["tags"]!.AsArray());
        Assert.Equal(HttpStatusCode.NoContent, await Host.StatusAsync(HttpMethod.Put, $"v2/images/{id}/tags/a_b", fixture.Beta.Token));

        // The provider (admin) may tag its images so.
        Assert.Equal(HttpStatusCode.NoContent, await Host.StatusAsync(HttpMethod.Put, $"v2/images/{id}/tags/_AVAILABLE_", await Host.AdminTokenAsync()));
    }

    [Fact]
    public async Task Downloads_need_nhncloud_allow_download_true()
    {
        var id = await ImageAsync(Host, fixture.Alpha.Token, "data");
        using (var upload = await Host.UploadAsync(fixture.Alpha.Token, id, new ByteArrayContent(new byte[] { 1, 2, 3 })))
        {
            Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
        }

        foreach (var token in new[] { fixture.Alpha.Token, await Host.AdminTokenAsync() })
        {
            using var refused = await Host.SendAsync(HttpMethod.Get, $"v2/images/{id}/file", token);
            await AssertGlanceErrorAsync(refused, HttpStatusCode.Forbidden);
        }

        using (await Host.SendAsync(HttpMethod.Patch, $"v2/images/{id}", fixture.Alpha.Token, Patch("add", "/nhncloud_allow_download", "false")))
        {
        }

        using (var still = await Host.SendAsync(HttpMethod.Get, $"v2/images/{id}/file", fixture.Alpha.Token))
        {
            await AssertGlanceErrorAsync(still, HttpStatusCode.Forbidden);
        }

        using (await Host.SendAsync(HttpMethod.Patch, $"v2/images/{id}", fixture.Alpha.Token, Patch("replace", "/nhncloud_allow_download", "true")))
        {
        }

        using var allowed = await Host.SendAsync(HttpMethod.Get, $"v2/images/{id}/file", fixture.Alpha.Token);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(new byte[] { 1, 2, 3 }, await allowed.Content.ReadAsByteArrayAsync());
    }
}
