namespace Kura.Tests.Api;

/// <summary>Image records over HTTP: create, show, list with paging, delete (reference §1.5–§1.10).</summary>
public sealed class ImagesApiTests(KuraHostFixture fixture) : IClassFixture<KuraHostFixture>
{
    private KuraHost Kura => fixture.Host;

    [Fact]
    public async Task Create_returns_201_glance_image_document_and_location()
    {
        var account = await Kura.CreateAccountAsync("creator");
        var body = new JsonObject
        {
            ["name"] = "ubuntu",
            ["disk_format"] = "qcow2",
            ["container_format"] = "bare",
            ["min_ram"] = 512,
            ["tags"] = new JsonArray("a", "b"),
            ["os_type"] = "linux",
            ["ramdisk_id"] = "00000000-1111-2222-3333-444455556666",
        };
        using var response = await Kura.SendAsync(HttpMethod.Post, "v2/images", account.Token, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.ToString());
        var text = await response.Content.ReadAsStringAsync();
        var image = KuraHost.Parse(text);
        var id = image["id"]!.GetValue<string>();
        Assert.Equal($"{Kura.BaseUrl}/v2/images/{id}", response.Headers.Location!.ToString());

        // Glance's key order: extra properties first, then the base keys, then id, times, tags and links.
        var keys = image.AsObject().Select(p => p.Key).ToList();
        Assert.Equal(
            ["os_type", "ramdisk_id", "name", "disk_format", "container_format", "visibility", "size", "virtual_size", "status", "checksum",
             "protected", "min_ram", "min_disk", "owner", "os_hidden", "os_hash_algo", "os_hash_value", "id", "created_at", "updated_at",
             "tags", "self", "file", "schema"],
            keys);
        Assert.Equal("queued", image["status"]!.GetValue<string>());
        Assert.Equal("shared", image["visibility"]!.GetValue<string>());
        Assert.Equal(account.ProjectId, image["owner"]!.GetValue<string>());
        Assert.Null(image["size"]);
        Assert.Null(image["checksum"]);
        Assert.False(image["protected"]!.GetValue<bool>());
        Assert.Equal(512, image["min_ram"]!.GetValue<int>());
        Assert.Equal(["a", "b"], image["tags"]!.AsArray().Select(t => t!.GetValue<string>()).Order());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", image["created_at"]!.GetValue<string>());
        Assert.Equal($"/v2/images/{id}", image["self"]!.GetValue<string>());
        Assert.Equal($"/v2/images/{id}/file", image["file"]!.GetValue<string>());
        Assert.Equal("/v2/schemas/image", image["schema"]!.GetValue<string>());

        var shown = await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", account.Token, null);
        Assert.Equal(image.ToJsonString(), shown.ToJsonString());
    }

    [Fact]
    public async Task Create_with_an_id_then_the_same_id_again_is_409_even_after_delete()
    {
        var token = await Kura.AdminTokenAsync();
        var id = Guid.NewGuid().ToString();
        await Kura.CreateImageAsync(token, new JsonObject { ["id"] = id });
        Assert.Equal(HttpStatusCode.Conflict, await Kura.StatusAsync(HttpMethod.Post, "v2/images", token, new StringContent($"{{\"id\": \"{id}\"}}")));

        Assert.Equal(HttpStatusCode.NoContent, await Kura.StatusAsync(HttpMethod.Delete, $"v2/images/{id}", token));
        Assert.Equal(HttpStatusCode.Conflict, await Kura.StatusAsync(HttpMethod.Post, "v2/images", token, new StringContent($"{{\"id\": \"{id}\"}}")));
    }

    [Theory]
    [InlineData("{\"status\": \"active\"}", "Attribute 'status' is read-only.")]
    [InlineData("{\"size\": 5}", "Attribute 'size' is read-only.")]
    [InlineData("{\"checksum\": \"x\"}", "Attribute 'checksum' is read-only.")]
    [InlineData("{\"self\": \"x\"}", "Attribute 'self' is read-only.")]
    [InlineData("{\"file\": 5}", "Attribute 'file' is read-only.")]
    [InlineData("{\"os_glance_foo\": \"x\"}", "Attribute 'os_glance_foo' is reserved.")]
    [InlineData("{\"deleted\": \"x\"}", "Attribute 'deleted' is reserved.")]
    [InlineData("{\"visibility\": \"public\"}", null)]
    [InlineData("{\"owner\": \"someone-else\"}", "You are not permitted to create images owned by 'someone-else'.")]
    public async Task Create_refuses_read_only_reserved_and_privileged_attributes_for_members(string body, string? message)
    {
        var account = await Kura.CreateAccountAsync("refused" + Math.Abs(body.GetHashCode(StringComparison.Ordinal)));
        using var response = await Kura.SendAsync(HttpMethod.Post, "v2/images", account.Token, new StringContent(body));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        if (message is not null)
        {
            Assert.StartsWith(message, (await KuraHost.ReadJsonAsync(response))["message"]!.GetValue<string>());
        }

        var list = await Kura.SendJsonAsync(HttpMethod.Get, "v2/images", account.Token, null);
        Assert.Empty(list["images"]!.AsArray());
    }

    [Fact]
    public async Task Admin_may_create_public_images_and_images_for_other_projects()
    {
        var admin = await Kura.AdminTokenAsync();
        var other = await Kura.CreateAccountAsync("adoptee");
        var image = await Kura.CreateImageAsync(admin, new JsonObject { ["visibility"] = "public", ["owner"] = other.ProjectId });
        Assert.Equal("public", image["visibility"]!.GetValue<string>());
        Assert.Equal(other.ProjectId, image["owner"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_pages_with_limit_marker_and_next_links_in_default_order()
    {
        var account = await Kura.CreateAccountAsync("pager");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await Kura.CreateImageAsync(account.Token, new JsonObject { ["name"] = $"p{i}" }))["id"]!.GetValue<string>());
        }

        ids.Reverse(); // default sort: created_at desc, id desc
        var seen = new List<string>();
        var url = "v2/images?visibility=shared&limit=2";
        var pages = 0;
        while (true)
        {
            var page = await Kura.SendJsonAsync(HttpMethod.Get, url, account.Token, null);
            pages++;
            seen.AddRange(page["images"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
            Assert.Equal("/v2/images?visibility=shared&limit=2", page["first"]!.GetValue<string>());
            Assert.Equal("/v2/schemas/images", page["schema"]!.GetValue<string>());
            if (page["next"] is not { } next)
            {
                break;
            }

            Assert.StartsWith("/v2/images?visibility=shared&limit=2&marker=", next.GetValue<string>());
            url = next.GetValue<string>().TrimStart('/');
        }

        Assert.Equal(ids, seen);
        Assert.Equal(3, pages);

        // A last page that happens to be full still links to an empty one, as in Glance.
        var full = await Kura.SendJsonAsync(HttpMethod.Get, "v2/images?visibility=shared&limit=5", account.Token, null);
        Assert.NotNull(full["next"]);
        var empty = await Kura.SendJsonAsync(HttpMethod.Get, full["next"]!.GetValue<string>().TrimStart('/'), account.Token, null);
        Assert.Empty(empty["images"]!.AsArray());
        Assert.Null(empty["next"]);

        var byName = await Kura.SendJsonAsync(HttpMethod.Get, "v2/images?name=p3", account.Token, null);
        Assert.Equal(ids[1], byName["images"]![0]!["id"]!.GetValue<string>());
        var ascending = await Kura.SendJsonAsync(HttpMethod.Get, "v2/images?visibility=shared&sort=name:asc&limit=2", account.Token, null);
        Assert.Equal(["p0", "p1"], ascending["images"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()));
        var zero = await Kura.SendJsonAsync(HttpMethod.Get, "v2/images?limit=0", account.Token, null);
        Assert.Empty(zero["images"]!.AsArray());
        Assert.Null(zero["next"]);
    }

    [Theory]
    [InlineData("limit=-1")]
    [InlineData("limit=abc")]
    [InlineData("marker=00000000-0000-0000-0000-000000000000")]
    [InlineData("sort_key=foo")]
    [InlineData("sort_dir=sideways")]
    [InlineData("sort=name:up")]
    [InlineData("sort=name&sort_key=id")]
    [InlineData("name=a:b")]
    [InlineData("visibility=everyone")]
    [InlineData("protected=maybe")]
    [InlineData("size_min=big")]
    [InlineData("created_at=gt:yesterday")]
    [InlineData("changes-since=2020-01-01")]
    [InlineData("member_status=maybe")]
    public async Task Bad_list_parameters_are_400(string query)
    {
        var token = await Kura.AdminTokenAsync();
        using var response = await Kura.SendAsync(HttpMethod.Get, "v2/images?" + query, token);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("400 Bad Request", (await KuraHost.ReadJsonAsync(response))["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Delete_is_204_then_404_and_protected_images_cannot_be_deleted()
    {
        var token = await Kura.AdminTokenAsync();
        var id = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        using (var deleted = await Kura.SendAsync(HttpMethod.Delete, $"v2/images/{id}", token))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            Assert.Equal(0, deleted.Content.Headers.ContentLength);
            Assert.Empty(await deleted.Content.ReadAsByteArrayAsync());
        }

        using (var again = await Kura.SendAsync(HttpMethod.Delete, $"v2/images/{id}", token))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
            Assert.StartsWith($"Failed to find image {id} to delete", (await KuraHost.ReadJsonAsync(again))["message"]!.GetValue<string>());
        }

        Assert.Equal(HttpStatusCode.NotFound, await Kura.StatusAsync(HttpMethod.Get, $"v2/images/{id}", token));

        var list = await Kura.SendJsonAsync(HttpMethod.Get, "v2/images?limit=1000", token, null);
        Assert.DoesNotContain(list["images"]!.AsArray(), i => i!["id"]!.GetValue<string>() == id);

        var guarded = (await Kura.CreateImageAsync(token, new JsonObject { ["protected"] = true }))["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.Forbidden, await Kura.StatusAsync(HttpMethod.Delete, $"v2/images/{guarded}", token));
        Assert.Equal(HttpStatusCode.OK, await Kura.StatusAsync(HttpMethod.Get, $"v2/images/{guarded}", token));
    }

    [Fact]
    public async Task Show_and_delete_reject_a_body_and_long_or_non_uuid_ids_are_404()
    {
        var token = await Kura.AdminTokenAsync();
        var id = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.BadRequest, await Kura.StatusAsync(HttpMethod.Get, $"v2/images/{id}", token, new StringContent("{}")));

        foreach (var bad in new[] { "my-image-name", new string('a', 37), "..%2F..%2Fetc%2Fpasswd", "' OR 1=1 --" })
        {
            Assert.Equal(HttpStatusCode.NotFound, await Kura.StatusAsync(HttpMethod.Get, "v2/images/" + Uri.EscapeDataString(bad), token));
        }
    }
}
