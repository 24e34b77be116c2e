namespace Kura.Tests.Api;

/// <summary>Metadata definitions (reference §1.19): admin-only writes, visibility-scoped reads.</summary>
public sealed class MetadefsTests(KuraHostFixture fixture) : IClassFixture<KuraHostFixture>
{
    private KuraHost Kura => fixture.Host;

    private async Task<HttpStatusCode> StatusAsync(HttpMethod method, string path, string? token, string? body = null)
    {
        using var response = await Kura.SendAsync(method, path, token, body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"));
        return response.StatusCode;
    }

    [Fact]
    public async Task Namespace_life_with_objects_properties_tags_and_resource_types()
    {
        var admin = await Kura.AdminTokenAsync();
        var types = await Kura.SendJsonAsync(HttpMethod.Get, "v2/metadefs/resource_types", admin, null);
        var type = types["resource_types"]![0]!["name"]!.GetValue<string>();
        Assert.Equal("OS::Glance::Image", type);

        var ns = await Kura.SendJsonAsync(HttpMethod.Post, "v2/metadefs/namespaces", admin, new JsonObject
        {
            ["namespace"] = "kura-ns",
            ["display_name"] = "Kura",
            ["visibility"] = "public",
            ["protected"] = true,
            ["resource_type_associations"] = new JsonArray(new JsonObject { ["name"] = type }),
        });
        Assert.Equal("kura-ns", ns["namespace"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, await StatusAsync(HttpMethod.Post, "v2/metadefs/namespaces", admin, """{"namespace": "kura-ns"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Delete, "v2/metadefs/namespaces/kura-ns", admin));

        var obj = await Kura.SendJsonAsync(HttpMethod.Post, "v2/metadefs/namespaces/kura-ns/objects", admin, new JsonObject { ["name"] = "o1" });
        Assert.Equal("o1", obj["name"]!.GetValue<string>());
        var renamed = await Kura.SendJsonAsync(HttpMethod.Put, "v2/metadefs/namespaces/kura-ns/objects/o1", admin, new JsonObject { ["name"] = "o2" });
        Assert.Equal("o2", renamed["name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(HttpMethod.Get, "v2/metadefs/namespaces/kura-ns/objects/o1", admin));

        var property = await Kura.SendJsonAsync(HttpMethod.Post, "v2/metadefs/namespaces/kura-ns/properties", admin, new JsonObject
        {
            ["name"] = "hypervisor",
            ["title"] = "Hypervisor",
            ["type"] = "string",
            ["enum"] = new JsonArray("kvm", "xen"),
        });
        Assert.Equal("Hypervisor", property["title"]!.GetValue<string>());
        var shownProperty = await Kura.SendJsonAsync(HttpMethod.Get, "v2/metadefs/namespaces/kura-ns/properties/hypervisor", admin, null);
        Assert.Equal("hypervisor", shownProperty["name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(HttpMethod.Post, "v2/metadefs/namespaces/kura-ns/properties", admin, """{"name": "x"}"""));

        var tags = await Kura.SendJsonAsync(HttpMethod.Post, "v2/metadefs/namespaces/kura-ns/tags", admin, new JsonObject
        {
            ["tags"] = new JsonArray(new JsonObject { ["name"] = "a" }, new JsonObject { ["name"] = "b" }),
        });
        Assert.Equal(2, tags["tags"]!.AsArray().Count);
        Assert.Equal(HttpStatusCode.Created, await StatusAsync(HttpMethod.Post, "v2/metadefs/namespaces/kura-ns/tags/c", admin));
        Assert.Equal(3, (await Kura.SendJsonAsync(HttpMethod.Get, "v2/metadefs/namespaces/kura-ns/tags", admin, null))["tags"]!.AsArray().Count);

        var full = await Kura.SendJsonAsync(HttpMethod.Get, "v2/metadefs/namespaces/kura-ns", admin, null);
        Assert.Equal("o2", full["objects"]![0]!["name"]!.GetValue<string>());
        Assert.NotNull(full["properties"]!["hypervisor"]);

        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(HttpMethod.Delete, $"v2/metadefs/namespaces/kura-ns/resource_types/{type}", admin));
        Assert.Empty((await Kura.SendJsonAsync(HttpMethod.Get, "v2/metadefs/namespaces/kura-ns/resource_types", admin, null))["resource_type_associations"]!.AsArray());

        await Kura.SendJsonAsync(HttpMethod.Put, "v2/metadefs/namespaces/kura-ns", admin, new JsonObject { ["namespace"] = "kura-ns", ["protected"] = false, ["visibility"] = "private" });
        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(HttpMethod.Delete, "v2/metadefs/namespaces/kura-ns", admin));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(HttpMethod.Get, "v2/metadefs/namespaces/kura-ns", admin));
    }

    [Fact]
    public async Task Only_admins_write_and_private_namespaces_are_hidden_from_other_projects()
    {
        var admin = await Kura.AdminTokenAsync();
        var member = await Kura.CreateAccountAsync("metamember");
        await Kura.SendJsonAsync(HttpMethod.Post, "v2/metadefs/namespaces", admin, new JsonObject { ["namespace"] = "open", ["visibility"] = "public" });
        await Kura.SendJsonAsync(HttpMethod.Post, "v2/metadefs/namespaces", admin, new JsonObject { ["namespace"] = "closed", ["visibility"] = "private" });

        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Post, "v2/metadefs/namespaces", member.Token, """{"namespace": "mine"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Post, "v2/metadefs/namespaces/open/objects", member.Token, """{"name": "o"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Delete, "v2/metadefs/namespaces/open", member.Token));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(HttpMethod.Get, "v2/metadefs/namespaces/open", member.Token));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(HttpMethod.Get, "v2/metadefs/namespaces/closed", member.Token));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(HttpMethod.Get, "v2/metadefs/namespaces", null));
        var names = (await Kura.SendJsonAsync(HttpMethod.Get, "v2/metadefs/namespaces", member.Token, null))["namespaces"]!.AsArray().Select(n => n!["namespace"]!.GetValue<string>());
        Assert.Contains("open", names);
        Assert.DoesNotContain("closed", names);
        Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(HttpMethod.Post, "v2/metadefs/namespaces", admin, """{"display_name": "no name"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(HttpMethod.Post, "v2/metadefs/namespaces", admin, "{"));
    }
}
