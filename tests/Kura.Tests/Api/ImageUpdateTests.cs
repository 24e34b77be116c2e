namespace Kura.Tests.Api;

/// <summary>PATCH in both media types (reference §1.9) and the no-lost-update guarantee.</summary>
public sealed class ImageUpdateTests(KuraHostFixture fixture) : IClassFixture<KuraHostFixture>
{
    private const string V21 = "application/openstack-images-v2.1-json-patch";
    private const string V20 = "application/openstack-images-v2.0-json-patch";

    private KuraHost Kura => fixture.Host;

    private async Task<HttpResponseMessage> PatchAsync(string token, string id, string body, string mediaType = V21)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
        return await Kura.SendAsync(HttpMethod.Patch, $"v2/images/{id}", token, content);
    }

    private async Task<JsonNode> ShowAsync(string token, string id) => await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null);

    [Fact]
    public async Task V21_add_replaces_base_attributes_and_creates_properties_as_the_openstack_cli_sends_them()
    {
        var account = await Kura.CreateAccountAsync("patch21");
        var id = (await Kura.CreateImageAsync(account.Token))["id"]!.GetValue<string>();
        using var response = await PatchAsync(account.Token, id, """
            [{"op": "add", "path": "/foo", "value": "baz"}, {"op": "add", "path": "/min_disk", "value": 1},
             {"op": "add", "path": "/name", "value": "N2"}, {"op": "add", "path": "/protected", "value": true},
             {"op": "add", "path": "/tags", "value": ["t1", "t2"]}, {"op": "add", "path": "/visibility", "value": "private"}]
            """);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var image = await KuraHost.ReadJsonAsync(response);
        Assert.Equal("N2", image["name"]!.GetValue<string>());
        Assert.Equal("baz", image["foo"]!.GetValue<string>());
        Assert.Equal(1, image["min_disk"]!.GetValue<int>());
        Assert.True(image["protected"]!.GetValue<bool>());
        Assert.Equal("private", image["visibility"]!.GetValue<string>());
        Assert.Equal(["t1", "t2"], image["tags"]!.AsArray().Select(t => t!.GetValue<string>()).Order());
        Assert.Equal(image.ToJsonString(), (await ShowAsync(account.Token, id)).ToJsonString());

        using var replace = await PatchAsync(account.Token, id, """[{"op": "replace", "path": "/foo", "value": "qux"}, {"op": "remove", "path": "/foo"}]""");
        Assert.Equal(HttpStatusCode.OK, replace.StatusCode);
        Assert.Null((await KuraHost.ReadJsonAsync(replace))["foo"]);

        using var empty = await PatchAsync(account.Token, id, "[]");
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
    }

    [Fact]
    public async Task V20_draft4_operations_as_tempest_sends_them()
    {
        var token = await Kura.AdminTokenAsync();
        var id = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        using (var replace = await PatchAsync(token, id, """[{"replace": "/name", "value": "renamed"}]""", V20))
        {
            Assert.Equal(HttpStatusCode.OK, replace.StatusCode);
            Assert.Equal("renamed", (await KuraHost.ReadJsonAsync(replace))["name"]!.GetValue<string>());
        }

        using (var addExisting = await PatchAsync(token, id, """[{"add": "/name", "value": "x"}]""", V20))
        {
            Assert.Equal(HttpStatusCode.Conflict, addExisting.StatusCode);
            Assert.Equal("There was a conflict when trying to complete your request.<br /><br />\nProperty name already present.\n\n",
                (await KuraHost.ReadJsonAsync(addExisting))["message"]!.GetValue<string>());
        }

        using (var add = await PatchAsync(token, id, """[{"add": "/new_prop", "value": "v"}]""", V20))
        {
            Assert.Equal(HttpStatusCode.OK, add.StatusCode);
        }

        using var twoKeys = await PatchAsync(token, id, """[{"add": "/a", "replace": "/b", "value": "v"}]""", V20);
        Assert.Equal(HttpStatusCode.BadRequest, twoKeys.StatusCode);
    }

    [Theory]
    [InlineData("""[{"op": "replace", "path": "/status", "value": "active"}]""", HttpStatusCode.Forbidden, "Attribute 'status' is read-only.<br /><br />\n\n\n")]
    [InlineData("""[{"op": "replace", "path": "/id", "value": "x"}]""", HttpStatusCode.Forbidden, "Attribute 'id' is read-only.<br /><br />\n\n\n")]
    [InlineData("""[{"op": "add", "path": "/os_glance_foo", "value": "bar"}]""", HttpStatusCode.Forbidden, "Attribute 'os_glance_foo' is reserved.<br /><br />\n\n\n")]
    [InlineData("""[{"op": "add", "path": "/locations/-", "value": {"url": "http://x", "metadata": {}}}]""", HttpStatusCode.Forbidden, null)]
    [InlineData("""[{"op": "remove", "path": "/name"}]""", HttpStatusCode.Forbidden, "Access was denied to this resource.<br /><br />\nProperty name may not be removed.\n\n")]
    [InlineData("""[{"op": "replace", "path": "/nope", "value": "x"}]""", HttpStatusCode.Conflict, "There was a conflict when trying to complete your request.<br /><br />\nProperty nope does not exist.\n\n")]
    [InlineData("""[{"op": "remove", "path": "/nope"}]""", HttpStatusCode.Conflict, null)]
    [InlineData("""[{"op": "add", "path": "/tags/-", "value": "t"}]""", HttpStatusCode.BadRequest, "Invalid JSON pointer for this resource: '/tags/-'<br /><br />\n\n\n")]
    [InlineData("""[{"op": "add", "path": "/foo", "value": 1}]""", HttpStatusCode.BadRequest, null)]
    [InlineData("""[{"op": "add", "path": "/protected", "value": "yes"}]""", HttpStatusCode.BadRequest, null)]
    [InlineData("""[{"op": "add", "path": "/min_ram", "value": -1}]""", HttpStatusCode.BadRequest, null)]
    [InlineData("""[{"op": "add", "path": "/visibility", "value": "everyone"}]""", HttpStatusCode.BadRequest, null)]
    [InlineData("""[{"op": "move", "path": "/name", "from": "/x"}]""", HttpStatusCode.BadRequest, null)]
    [InlineData("""[{"op": "add", "value": "x"}]""", HttpStatusCode.BadRequest, null)]
    [InlineData("""[{"op": "add", "path": "/name"}]""", HttpStatusCode.BadRequest, null)]
    [InlineData("""[{"op": "add", "path": "name", "value": "x"}]""", HttpStatusCode.BadRequest, null)]
    [InlineData("""{"op": "add", "path": "/name", "value": "x"}""", HttpStatusCode.BadRequest, null)]
    [InlineData("""[5]""", HttpStatusCode.BadRequest, null)]
    [InlineData("""[{"op": "add", "path": "/name", "value": "ok"}, {"op": "replace", "path": "/missing", "value": "x"}]""", HttpStatusCode.Conflict, null)]
    public async Task Refused_patches_answer_glances_errors_and_change_nothing(string body, HttpStatusCode expected, string? message)
    {
        var token = await Kura.AdminTokenAsync();
        var before = await Kura.CreateImageAsync(token, new JsonObject { ["name"] = "orig", ["disk_format"] = "raw", ["container_format"] = "bare" });
        var id = before["id"]!.GetValue<string>();
        using var response = await PatchAsync(token, id, body);
        Assert.Equal(expected, response.StatusCode);
        if (message is not null)
        {
            Assert.Equal(message, (await KuraHost.ReadJsonAsync(response))["message"]!.GetValue<string>());
        }

        Assert.Equal(before.ToJsonString(), (await ShowAsync(token, id)).ToJsonString());
    }

    [Fact]
    public async Task Other_media_types_are_415_with_accept_patch()
    {
        var token = await Kura.AdminTokenAsync();
        var id = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        foreach (var type in new[] { "application/json", "application/json-patch+json" })
        {
            using var response = await PatchAsync(token, id, "[]", type);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
            Assert.Equal($"{V20}, {V21}", response.Headers.GetValues("Accept-Patch").Single());
        }
    }

    [Fact]
    public async Task Formats_freeze_after_upload_and_owner_and_public_are_admin_only()
    {
        var account = await Kura.CreateAccountAsync("frozen");
        var admin = await Kura.AdminTokenAsync();
        var id = (await Kura.CreateImageAsync(account.Token))["id"]!.GetValue<string>();
        using (await Kura.UploadAsync(account.Token, id, new ByteArrayContent([1])))
        {
        }

        using (var format = await PatchAsync(account.Token, id, """[{"op": "replace", "path": "/disk_format", "value": "qcow2"}]"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, format.StatusCode);
        }

        using (var owner = await PatchAsync(account.Token, id, """[{"op": "replace", "path": "/owner", "value": "someone"}]"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, owner.StatusCode);
        }

        using (var publicize = await PatchAsync(account.Token, id, """[{"op": "replace", "path": "/visibility", "value": "public"}]"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, publicize.StatusCode);
        }

        using (var byAdmin = await PatchAsync(admin, id, """[{"op": "replace", "path": "/visibility", "value": "public"}, {"op": "replace", "path": "/owner", "value": "0123456789abcdef0123456789abcdef"}]"""))
        {
            Assert.Equal(HttpStatusCode.OK, byAdmin.StatusCode);
            var image = await KuraHost.ReadJsonAsync(byAdmin);
            Assert.Equal("public", image["visibility"]!.GetValue<string>());
            Assert.Equal("0123456789abcdef0123456789abcdef", image["owner"]!.GetValue<string>());
        }

        // Now owned by someone else and public: the former owner can see it but no longer change it.
        using var notMine = await PatchAsync(account.Token, id, """[{"op": "replace", "path": "/name", "value": "x"}]""");
        Assert.Equal(HttpStatusCode.Forbidden, notMine.StatusCode);
    }

    [Fact]
    public async Task Another_project_cannot_patch_and_cannot_see_private_images()
    {
        var owner = await Kura.CreateAccountAsync("patchowner");
        var other = await Kura.CreateAccountAsync("patchother");
        var hidden = (await Kura.CreateImageAsync(owner.Token, new JsonObject { ["visibility"] = "private" }))["id"]!.GetValue<string>();
        var shown = (await Kura.CreateImageAsync(owner.Token, new JsonObject { ["visibility"] = "community" }))["id"]!.GetValue<string>();
        using (var response = await PatchAsync(other.Token, hidden, """[{"op": "replace", "path": "/name", "value": "x"}]"""))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        using (var response = await PatchAsync(other.Token, shown, """[{"op": "replace", "path": "/name", "value": "x"}]"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using var anonymous = await PatchAsync(null!, shown, "[]");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Concurrent_patches_lose_no_update()
    {
        var token = await Kura.AdminTokenAsync();
        var id = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        const int writers = 16;
        var responses = await Task.WhenAll(Enumerable.Range(0, writers).Select(async i =>
        {
            using var response = await PatchAsync(token, id, $$"""[{"op": "add", "path": "/p{{i}}", "value": "{{i}}"}]""");
            return response.StatusCode;
        }));
        var image = await ShowAsync(token, id);
        var applied = Enumerable.Range(0, writers).Count(i => image[$"p{i}"] is not null);

        // Every writer either succeeded and its property is there, or was told it lost (409) and it is not.
        Assert.Equal(responses.Count(s => s == HttpStatusCode.OK), applied);
        Assert.All(responses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.Conflict, s.ToString()));
        Assert.True(applied >= writers / 2, $"only {applied} of {writers} concurrent patches applied");
        for (var i = 0; i < writers; i++)
        {
            Assert.Equal(responses[i] == HttpStatusCode.OK, image[$"p{i}"] is not null);
        }
    }

    [Fact]
    public async Task Property_and_tag_quotas_are_413()
    {
        await using var host = await KuraHost.StartAsync(null, "--Images:PropertyQuota=2", "--Images:TagQuota=2");
        var token = await host.AdminTokenAsync();
        var id = (await host.CreateImageAsync(token))["id"]!.GetValue<string>();
        var content = new StringContent("""[{"op": "add", "path": "/a", "value": "1"}, {"op": "add", "path": "/b", "value": "1"}, {"op": "add", "path": "/c", "value": "1"}]""");
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(V21);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await host.StatusAsync(HttpMethod.Patch, $"v2/images/{id}", token, content));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await host.StatusAsync(HttpMethod.Post, "v2/images", token, new StringContent("""{"tags": ["a", "b", "c"]}""")));

        Assert.Equal(HttpStatusCode.NoContent, await host.StatusAsync(HttpMethod.Put, $"v2/images/{id}/tags/one", token));

        Assert.Equal(HttpStatusCode.NoContent, await host.StatusAsync(HttpMethod.Put, $"v2/images/{id}/tags/two", token));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await host.StatusAsync(HttpMethod.Put, $"v2/images/{id}/tags/three", token));
    }

    [Fact]
    public async Task The_per_project_image_count_limit_is_413()
    {
        await using var host = await KuraHost.StartAsync(null, "--Images:ImageCountQuota=2");
        var account = await host.CreateAccountAsync("counted");
        await host.CreateImageAsync(account.Token);
        var second = (await host.CreateImageAsync(account.Token))["id"]!.GetValue<string>();
        using (var third = await host.SendAsync(HttpMethod.Post, "v2/images", account.Token, new StringContent("{}")))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, third.StatusCode);
            Assert.Contains("image_count_total", (await KuraHost.ReadJsonAsync(third))["message"]!.GetValue<string>());
        }

        using (await host.SendAsync(HttpMethod.Delete, $"v2/images/{second}", account.Token))
        {
        }

        await host.CreateImageAsync(account.Token);
    }
}
