namespace Kura.Tests.Api;

/// <summary>
/// Who may do what to whose image (reference §1.7, §1.8.2, §1.17), for every image endpoint, every role and
/// another project's images. Kura follows the newest Glance's defaults (a reader reads, a member writes in its
/// project, admin everything); with <c>Policy:EnforceNewDefaults=false</c>, Glance's legacy policy, where any role on
/// a project acts for it. Run with Kura's own identity here and behind a real Keystone
/// (<see cref="Kura.Tests.Identity.KeystoneAuthorizationTests"/>): the decisions must not depend on who issued the token.
/// </summary>
public abstract class AuthorizationSuite
{
    protected abstract KuraHost Kura { get; }

    /// <summary>Another host in the same identity mode, with <paramref name="args"/>.</summary>
    protected abstract Task<KuraHost> StartAsync(params string[] args);

    private async Task<(Account Owner, Account Reader, Account Other, string Admin)> PartiesAsync(string tag, KuraHost? on = null)
    {
        var kura = on ?? Kura;
        var owner = await kura.CreateAccountAsync("owner" + tag);
        var other = await kura.CreateAccountAsync("other" + tag);
        var admin = await kura.AdminTokenAsync();

        // A second user of the owner's project with only the reader role.
        var reader = await kura.AddUserAsync(owner.ProjectId, "reader" + tag, "reader");
        return (owner, reader, other, admin);
    }

    private async Task<string> ImageAsync(string token, string visibility, bool withData = true)
    {
        var id = (await Kura.CreateImageAsync(token, new JsonObject
        {
            ["name"] = visibility,
            ["disk_format"] = "raw",
            ["container_format"] = "bare",
            ["visibility"] = visibility,
        }))["id"]!.GetValue<string>();
        if (withData)
        {
            using var upload = await Kura.UploadAsync(token, id, new ByteArrayContent([1, 2, 3, 4]));
            Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
        }

        return id;
    }

    private async Task<HttpStatusCode> StatusAsync(HttpMethod method, string path, string token, HttpContent? content = null)
    {
        using var response = await Kura.SendAsync(method, path, token, content);
        return response.StatusCode;
    }

    /// <summary>Each visibility and what another project's GET of the image answers.</summary>
    public static TheoryData<string, HttpStatusCode> SeenByOthers => new()
    {
        { "private", HttpStatusCode.NotFound }, { "shared", HttpStatusCode.NotFound }, { "public", HttpStatusCode.OK }, { "community", HttpStatusCode.OK },
    };

    [Theory]
    [MemberData(nameof(SeenByOthers))]
    public async Task Another_project_sees_only_public_and_community_images(string visibility, HttpStatusCode expected)
    {
        var (owner, _, other, admin) = await PartiesAsync("see" + visibility);
        var id = await ImageAsync(visibility == "public" ? admin : owner.Token, visibility);

        Assert.Equal(expected, await StatusAsync(HttpMethod.Get, $"v2/images/{id}", other.Token));
        Assert.Equal(expected, await StatusAsync(HttpMethod.Get, $"v2/images/{id}/file", other.Token));
        var listed = (await Kura.SendJsonAsync(HttpMethod.Get, "v2/images?visibility=all", other.Token, null))["images"]!.AsArray()
            .Any(i => i!["id"]!.GetValue<string>() == id);
        Assert.Equal(expected == HttpStatusCode.OK, listed);

        // Whatever it can see, another project can neither change nor delete it; what it cannot see is 404.
        var mutation = expected == HttpStatusCode.OK ? HttpStatusCode.Forbidden : HttpStatusCode.NotFound;
        Assert.Equal(mutation, await StatusAsync(HttpMethod.Delete, $"v2/images/{id}", other.Token));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(HttpMethod.Get, $"v2/images/{id}", admin));
    }

    [Fact]
    public async Task Upload_to_another_projects_image_is_refused_and_changes_nothing()
    {
        var (owner, _, other, admin) = await PartiesAsync("upload");
        var hidden = await ImageAsync(owner.Token, "private", withData: false);
        var visible = await ImageAsync(owner.Token, "community", withData: false);

        using (var response = await Kura.UploadAsync(other.Token, hidden, new ByteArrayContent([9])))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        using (var response = await Kura.UploadAsync(other.Token, visible, new ByteArrayContent([9])))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        foreach (var id in new[] { hidden, visible })
        {
            Assert.Equal("queued", (await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", admin, null))["status"]!.GetValue<string>());
        }

        // An admin may upload to any project's image.
        using var byAdmin = await Kura.UploadAsync(admin, hidden, new ByteArrayContent([5]));
        Assert.Equal(HttpStatusCode.NoContent, byAdmin.StatusCode);
    }

    [Fact]
    public async Task Every_role_on_the_owning_project_acts_for_it_as_in_glance_legacy_policy()
    {
        await using var legacy = await StartAsync("--Policy:EnforceNewDefaults=false");
        var (owner, reader, _, _) = await PartiesAsync("roles", legacy);
        async Task<HttpStatusCode> Status(HttpMethod method, string path, string token)
        {
            using var response = await legacy.SendAsync(method, path, token);
            return response.StatusCode;
        }

        var id = (await legacy.CreateImageAsync(owner.Token))["id"]!.GetValue<string>();
        using (var upload = await legacy.UploadAsync(owner.Token, id, new ByteArrayContent([1, 2, 3, 4])))
        {
            Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, await Status(HttpMethod.Get, $"v2/images/{id}", reader.Token));
        Assert.Equal(HttpStatusCode.OK, await Status(HttpMethod.Get, $"v2/images/{id}/file", reader.Token));
        var mine = (await legacy.CreateImageAsync(reader.Token))["id"]!.GetValue<string>();
        Assert.Equal(owner.ProjectId, (await legacy.SendJsonAsync(HttpMethod.Get, $"v2/images/{mine}", owner.Token, null))["owner"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NoContent, await Status(HttpMethod.Delete, $"v2/images/{id}", reader.Token));
    }

    [Fact]
    public async Task Under_todays_glance_defaults_a_reader_reads_and_every_write_is_403()
    {
        var (owner, reader, _, admin) = await PartiesAsync("rbac");
        var id = await ImageAsync(owner.Token, "shared");
        var queued = await ImageAsync(owner.Token, "private", withData: false);
        var patch = new StringContent("[{\"op\":\"replace\",\"path\":\"/name\",\"value\":\"x\"}]", System.Text.Encoding.UTF8, "application/openstack-images-v2.1-json-patch");
        var json = (string text) => new StringContent(text, System.Text.Encoding.UTF8, "application/json");

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(HttpMethod.Get, $"v2/images/{id}", reader.Token));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(HttpMethod.Get, "v2/images", reader.Token));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(HttpMethod.Get, $"v2/images/{id}/members", reader.Token));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(HttpMethod.Get, $"v2/images/{id}/tasks", reader.Token));

        // Glance's download_image wants the member role: a reader may see the record but not the bytes.
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Get, $"v2/images/{id}/file", reader.Token));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Post, "v2/images", reader.Token, json("{\"name\":\"nope\"}")));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Patch, $"v2/images/{id}", reader.Token, patch));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Put, $"v2/images/{id}/tags/t", reader.Token));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Delete, $"v2/images/{id}/tags/t", reader.Token));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Post, $"v2/images/{id}/actions/deactivate", reader.Token));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Post, $"v2/images/{id}/actions/reactivate", reader.Token));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Post, $"v2/images/{id}/members", reader.Token, json("{\"member\":\"p\"}")));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Delete, $"v2/images/{id}", reader.Token));
        using (var upload = await Kura.UploadAsync(reader.Token, queued, new ByteArrayContent([1])))
        {
            Assert.Equal(HttpStatusCode.Forbidden, upload.StatusCode);
        }

        var staged = new ByteArrayContent([1]);
        staged.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Put, $"v2/images/{queued}/stage", reader.Token, staged));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(HttpMethod.Post, $"v2/images/{queued}/import", reader.Token, json("{\"method\":{\"name\":\"web-download\",\"uri\":\"http://example.com/x\"}}")));

        // Nothing changed: the owner (a member) still can, and the image is as it was.
        var image = await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", admin, null);
        Assert.Equal("shared", image["name"]!.GetValue<string>());
        Assert.Equal("active", image["status"]!.GetValue<string>());
        Assert.Equal("queued", (await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{queued}", admin, null))["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(HttpMethod.Get, $"v2/images/{id}/file", owner.Token));
        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(HttpMethod.Delete, $"v2/images/{id}", owner.Token));
    }

    [Fact]
    public async Task Default_list_hides_other_projects_community_images_but_admin_sees_private_ones()
    {
        var (owner, _, other, admin) = await PartiesAsync("lists");
        var community = await ImageAsync(owner.Token, "community", withData: false);
        var secret = await ImageAsync(owner.Token, "private", withData: false);

        static bool Has(JsonNode page, string id) => page["images"]!.AsArray().Any(i => i!["id"]!.GetValue<string>() == id);

        var otherDefault = await Kura.SendJsonAsync(HttpMethod.Get, "v2/images?limit=1000", other.Token, null);
        Assert.False(Has(otherDefault, community));
        Assert.False(Has(otherDefault, secret));
        var otherCommunity = await Kura.SendJsonAsync(HttpMethod.Get, "v2/images?visibility=community&limit=1000", other.Token, null);
        Assert.True(Has(otherCommunity, community));

        var ownerDefault = await Kura.SendJsonAsync(HttpMethod.Get, "v2/images?limit=1000", owner.Token, null);
        Assert.True(Has(ownerDefault, community));
        Assert.True(Has(ownerDefault, secret));

        var adminDefault = await Kura.SendJsonAsync(HttpMethod.Get, "v2/images?limit=1000", admin, null);
        Assert.True(Has(adminDefault, secret));
        Assert.False(Has(adminDefault, community));

        // A marker the caller cannot see is refused.
        Assert.Equal(HttpStatusCode.Forbidden, await Kura.StatusAsync(HttpMethod.Get, $"v2/images?marker={secret}", other.Token));
    }

    [Fact]
    public async Task Admin_may_delete_any_projects_image_and_its_data_is_removed()
    {
        var (owner, _, _, admin) = await PartiesAsync("admindelete");
        var id = await ImageAsync(owner.Token, "private");
        Assert.True(File.Exists(Path.Combine(Kura.DataDirectory, "blobs", "images", id)));
        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(HttpMethod.Delete, $"v2/images/{id}", admin));
        Assert.False(File.Exists(Path.Combine(Kura.DataDirectory, "blobs", "images", id)));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(HttpMethod.Get, $"v2/images/{id}", owner.Token));
    }
}

public sealed class AuthorizationTests(KuraHostFixture fixture) : AuthorizationSuite, IClassFixture<KuraHostFixture>
{
    protected override KuraHost Kura => fixture.Host;

    protected override Task<KuraHost> StartAsync(params string[] args) => KuraHost.StartAsync(null, args);
}
