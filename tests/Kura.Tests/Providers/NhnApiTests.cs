using System.Text.Json;
using Kura.Domain.Images;
using Microsoft.Extensions.DependencyInjection;
using static Kura.Tests.Providers.NhnFixture;

namespace Kura.Tests.Providers;

/// <summary>NHN Cloud's v1.0 appkey API (reference §1.1): tokens, image list, image delete, and its envelope for every failure.</summary>
public sealed partial class NhnApiTests(NhnFixture fixture) : IClassFixture<NhnFixture>
{
    private KuraHost Host => fixture.Host;

    // ---- tokens --------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("v1.0")]
    [InlineData("compute/v1.0")]
    public async Task A_token_is_issued_for_the_appkeys_project_and_works_on_v2(string prefix)
    {
        var body = await CallAsync(Host, HttpMethod.Post, $"{prefix}/appkeys/{fixture.AlphaKey}/tokens", null, Credentials("alpha", "alpha-pw"));
        AssertSuccess(body);
        var token = body["access"]!["token"]!;
        Assert.Matches(IssuedAt(), token["issued_at"]!.GetValue<string>());
        Assert.Matches(Expires(), token["expires"]!.GetValue<string>());
        Assert.Equal(fixture.Alpha.UserId, body["access"]!["user"]!["id"]!.GetValue<string>());
        Assert.Equal("member", body["access"]!["user"]!["roles"]![0]!["name"]!.GetValue<string>());

        // A normal Kura token, scoped to alpha: Glance accepts it.
        var id = token["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, await Host.StatusAsync(HttpMethod.Get, "v2/images", id));

        var shown = await CallAsync(Host, HttpMethod.Get, $"{prefix}/appkeys/{fixture.AlphaKey}/tokens?id={Uri.EscapeDataString(id)}");
        AssertSuccess(shown);
        Assert.Equal(id, shown["access"]!["token"]!["id"]!.GetValue<string>());
        Assert.Equal(token["expires"]!.GetValue<string>(), shown["access"]!["token"]!["expires"]!.GetValue<string>());
    }

    [Fact]
    public async Task Token_requests_that_fail_answer_200_with_the_documented_codes()
    {
        var tokens = $"v1.0/appkeys/{fixture.AlphaKey}/tokens";
        AssertFailure(await CallAsync(Host, HttpMethod.Post, tokens, null, Credentials("alpha", "wrong")), 50401);
        AssertFailure(await CallAsync(Host, HttpMethod.Post, tokens, null, Credentials("nobody", "x")), 50401);

        // The user exists but holds no role on the appkey's project: an appkey of another project.
        AssertFailure(await CallAsync(Host, HttpMethod.Post, $"v1.0/appkeys/{fixture.BetaKey}/tokens", null, Credentials("alpha", "alpha-pw")), 50401);
        Assert.StartsWith("Permission denied", AssertFailure(await CallAsync(Host, HttpMethod.Post, "v1.0/appkeys/no-such-key/tokens", null, Credentials("alpha", "alpha-pw")), -3));
        Assert.StartsWith("JSON parsing error", AssertFailure(await CallAsync(Host, HttpMethod.Post, tokens, null, "{\"auth\":"), -8));
        Assert.StartsWith("Invalid parameters", AssertFailure(await CallAsync(Host, HttpMethod.Post, tokens, null, "{\"auth\":{\"username\":\"alpha\"}}"), -4));
        AssertFailure(await CallAsync(Host, HttpMethod.Post, tokens, null, "[1,2]"), -4);
        AssertFailure(await CallAsync(Host, HttpMethod.Post, tokens, null, "{\"auth\":{\"username\":1,\"password\":\"x\"}}"), -4);

        AssertFailure(await CallAsync(Host, HttpMethod.Get, tokens), -4);
        AssertFailure(await CallAsync(Host, HttpMethod.Get, tokens + "?id=not-a-token"), -3);
        AssertFailure(await CallAsync(Host, HttpMethod.Get, tokens + "?id=" + Uri.EscapeDataString(fixture.Beta.Token)), -3);
    }

    // ---- image list ----------------------------------------------------------------------------------------

    [Fact]
    public async Task The_list_has_camelCase_items_with_the_guides_types()
    {
        var account = await Host.CreateAccountAsync("nhn-types");
        var appkey = await AppkeyAsync(Host, account.ProjectId);
        var id = await ImageAsync(Host, account.Token, "typed");
        using (var upload = await Host.UploadAsync(account.Token, id, new ByteArrayContent(new byte[1024])))
        {
            Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
        }

        var token = await TokenAsync(Host, appkey, "nhn-types");
        var body = await CallAsync(Host, HttpMethod.Get, $"v1.0/appkeys/{appkey}/images", token);
        AssertSuccess(body);
        var item = body["images"]!.AsArray().Single(i => i!["id"]!.GetValue<string>() == id)!.AsObject();
        Assert.Equal(
            ["createdAt", "diskFormat", "id", "isPublic", "minDisk", "minRam", "name", "properties", "protected", "size", "status", "updatedAt"],
            item.Select(p => p.Key).ToArray());
        var kinds = item.ToDictionary(p => p.Key, p => p.Value!.GetValueKind());
        Assert.Equal(JsonValueKind.String, kinds["createdAt"]);
        Assert.Equal(JsonValueKind.String, kinds["updatedAt"]);
        Assert.Equal(JsonValueKind.False, kinds["isPublic"]);
        Assert.Equal(JsonValueKind.False, kinds["protected"]);
        Assert.Equal(JsonValueKind.Number, kinds["minDisk"]);
        Assert.Equal(JsonValueKind.Number, kinds["minRam"]);
        Assert.Equal(JsonValueKind.Number, kinds["size"]);
        Assert.Equal(JsonValueKind.Object, kinds["properties"]);
        Assert.Equal(1024, item["size"]!.GetValue<long>());
        Assert.Equal("active", item["status"]!.GetValue<string>());
        Assert.Equal("raw", item["diskFormat"]!.GetValue<string>());
        Assert.Equal("linux", item["properties"]!["os_type"]!.GetValue<string>());
        Assert.Matches(Expires(), item["createdAt"]!.GetValue<string>());

        // Before data: size is 0, never null.
        var queued = await ImageAsync(Host, account.Token, "queued");
        var again = await CallAsync(Host, HttpMethod.Get, $"v1.0/appkeys/{appkey}/images", token);
        var queuedItem = again["images"]!.AsArray().Single(i => i!["id"]!.GetValue<string>() == queued)!;
        Assert.Equal(0, queuedItem["size"]!.GetValue<long>());
        Assert.Equal("queued", queuedItem["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Limit_and_marker_page_newest_first_starting_from_the_marker()
    {
        var account = await Host.CreateAccountAsync("nhn-paging");
        var appkey = await AppkeyAsync(Host, account.ProjectId);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await ImageAsync(Host, account.Token, "page-" + i));
            await Task.Delay(1100); // created_at has second precision in the sort
        }

        var token = await TokenAsync(Host, appkey, "nhn-paging");
        var images = $"compute/v1.0/appkeys/{appkey}/images";
        ids.Reverse(); // newest first
        Assert.Equal(ids, Ids(await CallAsync(Host, HttpMethod.Get, images, token)));
        Assert.Equal(ids[..2], Ids(await CallAsync(Host, HttpMethod.Get, images + "?limit=2", token)));
        Assert.Equal(ids[1..3], Ids(await CallAsync(Host, HttpMethod.Get, $"{images}?limit=2&marker={ids[1]}", token)));
        Assert.Equal(ids[2..], Ids(await CallAsync(Host, HttpMethod.Get, $"{images}?marker={ids[2]}", token)));
        Assert.Empty(Ids(await CallAsync(Host, HttpMethod.Get, images + "?limit=0", token)));
    }

    [Fact]
    public async Task Bad_list_requests_answer_in_the_envelope()
    {
        var token = await TokenAsync(Host, fixture.AlphaKey, "alpha");
        var images = $"v1.0/appkeys/{fixture.AlphaKey}/images";
        Assert.StartsWith("Invalid parameters", AssertFailure(await CallAsync(Host, HttpMethod.Get, images + "?limit=abc", token), -4));
        AssertFailure(await CallAsync(Host, HttpMethod.Get, images + "?limit=-1", token), -4);
        AssertFailure(await CallAsync(Host, HttpMethod.Get, images + "?marker=" + Guid.NewGuid(), token), 30400);
        AssertFailure(await CallAsync(Host, HttpMethod.Get, images, "not-a-token"), -3);
        AssertFailure(await CallAsync(Host, HttpMethod.Get, images), -3);
        AssertFailure(await CallAsync(Host, HttpMethod.Get, "v1.0/appkeys/no-such-key/images", token), -3);

        // A valid token of another project, with this appkey: permission denied.
        AssertFailure(await CallAsync(Host, HttpMethod.Get, images, fixture.Beta.Token), -3);
        AssertFailure(await CallAsync(Host, HttpMethod.Get, $"v1.0/appkeys/{fixture.BetaKey}/images", token), -3);
    }

    [Fact]
    public async Task The_nhn_preset_lists_100_by_default_and_1000_at_most()
    {
        var options = Host.Services.GetRequiredService<ImageOptions>();
        Assert.Equal(100, options.DefaultListLimit);
        Assert.Equal(1000, options.MaxListLimit);

        await using var explicitHost = await KuraHost.StartAsync(null, "--Policy:Preset=Nhn", "--Images:DefaultListLimit=7");
        Assert.Equal(7, explicitHost.Services.GetRequiredService<ImageOptions>().DefaultListLimit);
    }

    // ---- image delete --------------------------------------------------------------------------------------

    [Fact]
    public async Task Delete_by_query_removes_an_image_of_the_appkeys_project()
    {
        var id = await ImageAsync(Host, fixture.Alpha.Token, "to-delete");
        var token = await TokenAsync(Host, fixture.AlphaKey, "alpha");
        var body = await CallAsync(Host, HttpMethod.Delete, $"v1.0/appkeys/{fixture.AlphaKey}/images?id={id}", token);
        AssertSuccess(body);
        Assert.Equal(["header"], body.AsObject().Select(p => p.Key).ToArray());
        Assert.Equal(HttpStatusCode.NotFound, await Host.StatusAsync(HttpMethod.Get, $"v2/images/{id}", fixture.Alpha.Token));
    }

    [Fact]
    public async Task Refused_deletes_answer_in_the_envelope_and_change_nothing()
    {
        var admin = await Host.AdminTokenAsync();
        var own = await ImageAsync(Host, fixture.Alpha.Token, "kept");
        var others = await ImageAsync(Host, fixture.Beta.Token, "betas");
        var shared = await ImageAsync(Host, fixture.Beta.Token, "betas-shared", "shared");
        using (await Host.SendAsync(HttpMethod.Post, $"v2/images/{shared}/members", fixture.Beta.Token,
                   new StringContent(new JsonObject { ["member"] = fixture.Alpha.ProjectId }.ToJsonString(), System.Text.Encoding.UTF8, "application/json")))
        {
        }

        var token = await TokenAsync(Host, fixture.AlphaKey, "alpha");
        var images = $"v1.0/appkeys/{fixture.AlphaKey}/images";
        AssertFailure(await CallAsync(Host, HttpMethod.Delete, images, token), -4);
        AssertFailure(await CallAsync(Host, HttpMethod.Delete, $"{images}?id={Guid.NewGuid()}", token), 30404);
        AssertFailure(await CallAsync(Host, HttpMethod.Delete, $"{images}?id={others}", token), 30404);
        AssertFailure(await CallAsync(Host, HttpMethod.Delete, $"{images}?id={shared}", token), 30403);
        AssertFailure(await CallAsync(Host, HttpMethod.Delete, $"{images}?id={own}", "bad-token"), -3);
        AssertFailure(await CallAsync(Host, HttpMethod.Delete, $"{images}?id={own}", fixture.Beta.Token), -3);
        AssertFailure(await CallAsync(Host, HttpMethod.Delete, $"v1.0/appkeys/{fixture.BetaKey}/images?id={others}", token), -3);

        foreach (var id in new[] { own, others, shared })
        {
            Assert.Equal("queued", (await Host.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", admin, null))["status"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task An_admin_token_acts_only_for_the_appkeys_project()
    {
        var adminKey = (await Host.SendJsonAsync(HttpMethod.Get, "identity/v3/projects?name=admin", await Host.AdminTokenAsync(), null))["projects"]![0]!["appkey"]!.GetValue<string>();
        var body = await CallAsync(Host, HttpMethod.Post, $"v1.0/appkeys/{adminKey}/tokens", null, Credentials("admin", KuraHost.AdminPassword));
        AssertSuccess(body);
        var token = body["access"]!["token"]!["id"]!.GetValue<string>();
        var betas = await ImageAsync(Host, fixture.Beta.Token, "not-admins");

        AssertFailure(await CallAsync(Host, HttpMethod.Delete, $"v1.0/appkeys/{adminKey}/images?id={betas}", token), 30404);
        Assert.DoesNotContain(betas, Ids(await CallAsync(Host, HttpMethod.Get, $"v1.0/appkeys/{adminKey}/images", token)));
    }

    // ---- the dialect's edges -------------------------------------------------------------------------------

    [Theory]
    [InlineData("GET", "v1.0/appkeys/{appkey}/instances")]
    [InlineData("GET", "compute/v1.0/appkeys/{appkey}/flavors")]
    [InlineData("PUT", "v1.0/appkeys/{appkey}/images")]
    [InlineData("GET", "v1.0/nothing")]
    [InlineData("GET", "compute")]
    public async Task Unknown_routes_under_the_prefix_are_not_supported_in_the_envelope(string method, string path)
    {
        var body = await CallAsync(Host, new HttpMethod(method), path.Replace("{appkey}", fixture.AlphaKey, StringComparison.Ordinal), fixture.Alpha.Token);
        Assert.StartsWith("Not supported", AssertFailure(body, -7));
    }

    [Fact]
    public async Task Projects_get_an_appkey_that_an_admin_can_set()
    {
        var admin = await Host.AdminTokenAsync();
        var created = await Host.SendJsonAsync(HttpMethod.Post, "identity/v3/projects", admin,
            new JsonObject { ["project"] = new JsonObject { ["name"] = "keyed", ["appkey"] = "MyAppKey_01" } });
        var id = created["project"]!["id"]!.GetValue<string>();
        Assert.Equal("MyAppKey_01", created["project"]!["appkey"]!.GetValue<string>());

        var generated = await Host.SendJsonAsync(HttpMethod.Post, "identity/v3/projects", admin,
            new JsonObject { ["project"] = new JsonObject { ["name"] = "generated" } });
        Assert.Matches("^[0-9a-f]{32}$", generated["project"]!["appkey"]!.GetValue<string>());

        var patched = await Host.SendJsonAsync(HttpMethod.Patch, $"identity/v3/projects/{id}", admin,
            new JsonObject { ["project"] = new JsonObject { ["appkey"] = "Renamed-02" } });
        Assert.Equal("Renamed-02", patched["project"]!["appkey"]!.GetValue<string>());

        // Taken, malformed, or set by a non-admin: Keystone's errors, nothing changed.
        foreach (var (body, token, status) in new[]
                 {
                     (new JsonObject { ["appkey"] = fixture.AlphaKey }, admin, HttpStatusCode.Conflict),
                     (new JsonObject { ["appkey"] = "has/slash" }, admin, HttpStatusCode.BadRequest),
                     (new JsonObject { ["appkey"] = new string('k', 65) }, admin, HttpStatusCode.BadRequest),
                     (new JsonObject { ["appkey"] = "by-member" }, fixture.Alpha.Token, HttpStatusCode.Forbidden),
                 })
        {
            using var response = await Host.SendAsync(HttpMethod.Patch, $"identity/v3/projects/{id}", token,
                new StringContent(new JsonObject { ["project"] = body }.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(status, response.StatusCode);
            Assert.NotNull((await KuraHost.ReadJsonAsync(response))["error"]);
        }

        Assert.Equal("Renamed-02", await AppkeyAsync(Host, id));
        AssertFailure(await CallAsync(Host, HttpMethod.Post, "v1.0/appkeys/MyAppKey_01/tokens", null, Credentials("alpha", "alpha-pw")), -3);
    }

    private static List<string> Ids(JsonNode body)
    {
        AssertSuccess(body);
        return body["images"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToList();
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")]
    private static partial Regex IssuedAt();

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")]
    private static partial Regex Expires();
}
