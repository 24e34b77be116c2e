namespace Kura.Tests.Api;

/// <summary>
/// Sharing, tags and deactivation (reference §1.13–§1.15), with the authorization matrix for each: admin, owner,
/// a member in each member status, another project, and no token.
/// </summary>
public sealed class MembersAndActionsTests(KuraHostFixture fixture) : IClassFixture<KuraHostFixture>
{
    private KuraHost Kura => fixture.Host;

    private static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<HttpStatusCode> StatusAsync(HttpMethod method, string path, string? token, string? body = null)
    {
        using var response = await Kura.SendAsync(method, path, token, body is null ? null : JsonBody(body));
        return response.StatusCode;
    }

    private static bool Listed(JsonNode page, string id) => page["images"]!.AsArray().Any(i => i!["id"]!.GetValue<string>() == id);

    [Fact]
    public async Task Share_accept_reject_and_remove_as_tempest_does()
    {
        var owner = await Kura.CreateAccountAsync("sharer");
        var alt = await Kura.CreateAccountAsync("sharee");
        var id = (await Kura.CreateImageAsync(owner.Token))["id"]!.GetValue<string>();
        using (await Kura.UploadAsync(owner.Token, id, new ByteArrayContent([1, 2])))
        {
        }

        var member = await Kura.SendJsonAsync(HttpMethod.Post, $"v2/images/{id}/members", owner.Token, new JsonObject { ["member"] = alt.ProjectId });
        Assert.Equal("pending", member["status"]!.GetValue<string>());
        Assert.Equal(alt.ProjectId, member["member_id"]!.GetValue<string>());
        Assert.Equal(id, member["image_id"]!.GetValue<string>());
        Assert.Equal("/v2/schemas/member", member["schema"]!.GetValue<string>());

        // Pending: readable and downloadable by id, not in the default list, listed with member_status=pending.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(HttpMethod.Get, $"v2/images/{id}", alt.Token));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(HttpMethod.Get, $"v2/images/{id}/file", alt.Token));
        Assert.False(Listed(await Kura.SendJsonAsync(HttpMethod.Get, "v2/images", alt.Token, null), id));
        var pending = await Kura.SendJsonAsync(HttpMethod.Get, "v2/images?member_status=pending&visibility=shared", alt.Token, null);
        Assert.Equal([id], pending["images"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));

        // The owner may not accept on the member's behalf.
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Put, $"v2/images/{id}/members/{alt.ProjectId}", owner.Token, """{"status": "accepted"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(HttpMethod.Put, $"v2/images/{id}/members/{alt.ProjectId}", alt.Token, """{"status": "notavalidstatus"}"""));

        var accepted = await Kura.SendJsonAsync(HttpMethod.Put, $"v2/images/{id}/members/{alt.ProjectId}", alt.Token, new JsonObject { ["status"] = "accepted" });
        Assert.Equal("accepted", accepted["status"]!.GetValue<string>());
        Assert.True(Listed(await Kura.SendJsonAsync(HttpMethod.Get, "v2/images", alt.Token, null), id));

        var members = await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}/members", owner.Token, null);
        Assert.Equal("/v2/schemas/members", members["schema"]!.GetValue<string>());
        Assert.Equal("accepted", members["members"]!.AsArray().Single()!["status"]!.GetValue<string>());
        var shown = await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}/members/{alt.ProjectId}", owner.Token, null);
        Assert.Equal("accepted", shown["status"]!.GetValue<string>());

        await Kura.SendJsonAsync(HttpMethod.Put, $"v2/images/{id}/members/{alt.ProjectId}", alt.Token, new JsonObject { ["status"] = "rejected" });
        Assert.False(Listed(await Kura.SendJsonAsync(HttpMethod.Get, "v2/images", alt.Token, null), id));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(HttpMethod.Get, $"v2/images/{id}", alt.Token));

        // Members never modify the image, nor remove themselves.
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Delete, $"v2/images/{id}", alt.Token));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Delete, $"v2/images/{id}/members/{alt.ProjectId}", alt.Token));

        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(HttpMethod.Delete, $"v2/images/{id}/members/{alt.ProjectId}", owner.Token));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(HttpMethod.Get, $"v2/images/{id}", alt.Token));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(HttpMethod.Delete, $"v2/images/{id}/members/{alt.ProjectId}", owner.Token));
    }

    [Fact]
    public async Task Member_authorization_matrix()
    {
        var owner = await Kura.CreateAccountAsync("mxowner");
        var member = await Kura.CreateAccountAsync("mxmember");
        var second = await Kura.CreateAccountAsync("mxsecond");
        var stranger = await Kura.CreateAccountAsync("mxstranger");
        var admin = await Kura.AdminTokenAsync();
        var id = (await Kura.CreateImageAsync(owner.Token))["id"]!.GetValue<string>();
        await Kura.SendJsonAsync(HttpMethod.Post, $"v2/images/{id}/members", owner.Token, new JsonObject { ["member"] = member.ProjectId });
        await Kura.SendJsonAsync(HttpMethod.Post, $"v2/images/{id}/members", admin, new JsonObject { ["member"] = second.ProjectId });

        // Adding: owner and admin only; a duplicate is 409; the member and strangers cannot.
        Assert.Equal(HttpStatusCode.Conflict, await StatusAsync(HttpMethod.Post, $"v2/images/{id}/members", owner.Token, $$"""{"member": "{{member.ProjectId}}"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Post, $"v2/images/{id}/members", member.Token, """{"member": "x"}"""));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(HttpMethod.Post, $"v2/images/{id}/members", stranger.Token, """{"member": "x"}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(HttpMethod.Post, $"v2/images/{id}/members", null, """{"member": "x"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(HttpMethod.Post, $"v2/images/{id}/members", owner.Token, """{"nobody": "x"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(HttpMethod.Post, $"v2/images/{id}/members", owner.Token, """{"member": ""}"""));

        // Listing: the owner and admin see both members, a member sees only itself, a stranger nothing.
        int Count(JsonNode list) => list["members"]!.AsArray().Count;
        Assert.Equal(2, Count(await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}/members", owner.Token, null)));
        Assert.Equal(2, Count(await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}/members", admin, null)));
        Assert.Equal(1, Count(await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}/members", member.Token, null)));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(HttpMethod.Get, $"v2/images/{id}/members", stranger.Token));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(HttpMethod.Get, $"v2/images/{id}/members/{second.ProjectId}", member.Token));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(HttpMethod.Get, $"v2/images/{id}/members/{member.ProjectId}", member.Token));

        // Status: each member for itself, an admin for anyone; not another member.
        foreach (var status in new[] { "accepted", "rejected", "pending" })
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(HttpMethod.Put, $"v2/images/{id}/members/{member.ProjectId}", member.Token, $$"""{"status": "{{status}}"}"""));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(HttpMethod.Get, $"v2/images/{id}", member.Token));
            Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Delete, $"v2/images/{id}", member.Token));
        }

        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(HttpMethod.Put, $"v2/images/{id}/members/{second.ProjectId}", member.Token, """{"status": "accepted"}"""));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(HttpMethod.Put, $"v2/images/{id}/members/{second.ProjectId}", admin, """{"status": "accepted"}"""));

        // Only shared images have members.
        var privateId = (await Kura.CreateImageAsync(owner.Token, new JsonObject { ["visibility"] = "private" }))["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Post, $"v2/images/{privateId}/members", owner.Token, """{"member": "x"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Get, $"v2/images/{privateId}/members", owner.Token));

        // Turning the image private hides it from its members at once.
        using var patch = new StringContent("""[{"op": "replace", "path": "/visibility", "value": "private"}]""");
        patch.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/openstack-images-v2.1-json-patch");
        Assert.Equal(HttpStatusCode.OK, await Kura.StatusAsync(HttpMethod.Patch, $"v2/images/{id}", owner.Token, patch));

        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(HttpMethod.Get, $"v2/images/{id}", member.Token));
    }

    [Fact]
    public async Task Member_quota_is_413()
    {
        await using var host = await KuraHost.StartAsync(null, "--Images:MemberQuota=1");
        var token = await host.AdminTokenAsync();
        var id = (await host.CreateImageAsync(token))["id"]!.GetValue<string>();
        await host.SendJsonAsync(HttpMethod.Post, $"v2/images/{id}/members", token, new JsonObject { ["member"] = "p1" });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await host.StatusAsync(HttpMethod.Post, $"v2/images/{id}/members", token, JsonBody("""{"member": "p2"}""")));
    }

    [Fact]
    public async Task Tags_are_added_idempotently_removed_and_guarded()
    {
        var owner = await Kura.CreateAccountAsync("tagger");
        var stranger = await Kura.CreateAccountAsync("tagstranger");
        var id = (await Kura.CreateImageAsync(owner.Token, new JsonObject { ["visibility"] = "community" }))["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(HttpMethod.Put, $"v2/images/{id}/tags/blue", owner.Token));
        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(HttpMethod.Put, $"v2/images/{id}/tags/blue", owner.Token));
        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(HttpMethod.Put, $"v2/images/{id}/tags/{Uri.EscapeDataString("with space")}", owner.Token));
        var tags = (await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", owner.Token, null))["tags"]!.AsArray().Select(t => t!.GetValue<string>()).Order();
        Assert.Equal(["blue", "with space"], tags);

        Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(HttpMethod.Put, $"v2/images/{id}/tags/{new string('x', 256)}", owner.Token));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Put, $"v2/images/{id}/tags/red", stranger.Token));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Delete, $"v2/images/{id}/tags/blue", stranger.Token));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(HttpMethod.Put, $"v2/images/{Guid.NewGuid()}/tags/red", owner.Token));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(HttpMethod.Put, $"v2/images/{id}/tags/red", null));

        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(HttpMethod.Delete, $"v2/images/{id}/tags/blue", owner.Token));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(HttpMethod.Delete, $"v2/images/{id}/tags/blue", owner.Token));
        var list = await Kura.SendJsonAsync(HttpMethod.Get, "v2/images?tag=with%20space", owner.Token, null);
        Assert.True(Listed(list, id));
    }

    [Fact]
    public async Task Deactivation_blocks_downloads_for_everyone_but_admins()
    {
        var owner = await Kura.CreateAccountAsync("deactivator");
        var stranger = await Kura.CreateAccountAsync("deactstranger");
        var admin = await Kura.AdminTokenAsync();
        var id = (await Kura.CreateImageAsync(owner.Token, new JsonObject
        {
            ["visibility"] = "community",
            ["disk_format"] = "raw",
            ["container_format"] = "bare",
        }))["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Post, $"v2/images/{id}/actions/deactivate", owner.Token));
        using (var upload = await Kura.UploadAsync(owner.Token, id, new ByteArrayContent([4, 2])))
        {
            Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Post, $"v2/images/{id}/actions/deactivate", stranger.Token));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(HttpMethod.Post, $"v2/images/{id}/actions/deactivate", null));
        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(HttpMethod.Post, $"v2/images/{id}/actions/deactivate", owner.Token));
        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(HttpMethod.Post, $"v2/images/{id}/actions/deactivate", owner.Token));
        Assert.Equal("deactivated", (await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", stranger.Token, null))["status"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Get, $"v2/images/{id}/file", owner.Token));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Get, $"v2/images/{id}/file", stranger.Token));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(HttpMethod.Get, $"v2/images/{id}/file", admin));

        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Post, $"v2/images/{id}/actions/reactivate", stranger.Token));
        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(HttpMethod.Post, $"v2/images/{id}/actions/reactivate", owner.Token));
        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(HttpMethod.Post, $"v2/images/{id}/actions/reactivate", owner.Token));
        using var download = await Kura.SendAsync(HttpMethod.Get, $"v2/images/{id}/file", stranger.Token);
        Assert.Equal(new byte[] { 4, 2 }, await download.Content.ReadAsByteArrayAsync());

        var queued = (await Kura.CreateImageAsync(owner.Token))["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Post, $"v2/images/{queued}/actions/reactivate", owner.Token));
    }
}
