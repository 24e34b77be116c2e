using static Kura.Tests.Providers.NhnFixture;

namespace Kura.Tests.Providers;

/// <summary>
/// The providers' endpoints for each role on a project (reader, member, admin) and for another project's caller: under
/// Glance's legacy policy any role acts for its project; under today's defaults a reader only reads.
/// </summary>
public sealed class ProviderRolesTests
{
    public static TheoryData<string> Roles => new() { "reader", "member", "admin" };

    /// <summary>A host of <paramref name="preset"/> under Glance's legacy policy, a user with <paramref name="role"/> and a bystander.</summary>
    private static async Task<(KuraHost Host, Account Account, Account Other)> LegacyAsync(string preset, string user, string role, string bystander)
    {
        var host = await KuraHost.StartAsync(null, $"--Policy:Preset={preset}", "--Policy:EnforceNewDefaults=false");
        return (host, await host.CreateAccountAsync(user, role), await host.CreateAccountAsync(bystander));
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task Any_role_acts_for_its_own_project_on_the_conoha_quota(string role)
    {
        var (host, account, other) = await LegacyAsync("Conoha", "quota-" + role, role, "quota-bystander");
        await using var running = host;
        var body = JsonNode.Parse("""{"quota":{"image_size":"550GB"}}""");
        Assert.Equal("550GB", (await host.SendJsonAsync(HttpMethod.Put, "v2/quota", account.Token, body))["quota"]!["image_size"]!.GetValue<string>());
        Assert.Equal("550GB", (await host.SendJsonAsync(HttpMethod.Get, "v2/quota", account.Token, null))["quota"]!["image_size"]!.GetValue<string>());
        Assert.Equal("50GB", (await host.SendJsonAsync(HttpMethod.Get, "v2/quota", other.Token, null))["quota"]!["image_size"]!.GetValue<string>());
        Assert.Equal(0, (await host.SendJsonAsync(HttpMethod.Get, "v2/images/total", account.Token, null))["images"]!["size"]!.GetValue<long>());
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task Any_role_on_the_appkeys_project_lists_and_deletes_its_images_and_no_others(string role)
    {
        var (host, account, other) = await LegacyAsync("Nhn", "nhn-" + role, role, "nhn-other");
        await using var running = host;
        var appkey = await AppkeyAsync(host, account.ProjectId);
        var own = await ImageAsync(host, account.Token, "own");
        var foreign = await ImageAsync(host, other.Token, "foreign", "shared");
        using (await host.SendAsync(HttpMethod.Post, $"v2/images/{foreign}/members", other.Token,
                   new StringContent(new JsonObject { ["member"] = account.ProjectId }.ToJsonString(), Encoding.UTF8, "application/json")))
        {
        }

        var token = await TokenAsync(host, appkey, "nhn-" + role);
        var listed = await CallAsync(host, HttpMethod.Get, $"v1.0/appkeys/{appkey}/images", token);
        AssertSuccess(listed);
        Assert.Equal([own], listed["images"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToArray());

        AssertFailure(await CallAsync(host, HttpMethod.Delete, $"v1.0/appkeys/{appkey}/images?id={foreign}", token), 30403);
        AssertSuccess(await CallAsync(host, HttpMethod.Delete, $"v1.0/appkeys/{appkey}/images?id={own}", token));
        Assert.Equal(HttpStatusCode.OK, await host.StatusAsync(HttpMethod.Get, $"v2/images/{foreign}", other.Token));
    }

    [Fact]
    public async Task Under_todays_defaults_a_reader_reads_the_providers_apis_and_cannot_write()
    {
        await using var conoha = await KuraHost.StartAsync(null, "--Policy:Preset=Conoha");
        var reader = await conoha.CreateAccountAsync("quota-reader", "reader");
        using (var put = await conoha.SendAsync(HttpMethod.Put, "v2/quota", reader.Token, new StringContent("""{"quota":{"image_size":"550GB"}}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        }

        Assert.Equal("50GB", (await conoha.SendJsonAsync(HttpMethod.Get, "v2/quota", reader.Token, null))["quota"]!["image_size"]!.GetValue<string>());

        await using var nhn = await KuraHost.StartAsync(null, "--Policy:Preset=Nhn");
        var member = await nhn.CreateAccountAsync("nhn-rbac-member");
        var admin = await nhn.AdminTokenAsync();
        var readerUser = await nhn.SendJsonAsync(HttpMethod.Post, "identity/v3/users", admin, new JsonObject { ["user"] = new JsonObject { ["name"] = "nhn-rbac-reader", ["password"] = "nhn-rbac-reader-pw" } });
        var readerRole = (await nhn.SendJsonAsync(HttpMethod.Get, "identity/v3/roles?name=reader", admin, null))["roles"]![0]!["id"]!.GetValue<string>();
        using (await nhn.SendAsync(HttpMethod.Put, $"identity/v3/projects/{member.ProjectId}/users/{readerUser["user"]!["id"]}/roles/{readerRole}", admin))
        {
        }

        var appkey = await AppkeyAsync(nhn, member.ProjectId);
        var own = await ImageAsync(nhn, member.Token, "own");
        var token = await TokenAsync(nhn, appkey, "nhn-rbac-reader");
        var listed = await CallAsync(nhn, HttpMethod.Get, $"v1.0/appkeys/{appkey}/images", token);
        AssertSuccess(listed);
        Assert.Equal([own], listed["images"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToArray());
        AssertFailure(await CallAsync(nhn, HttpMethod.Delete, $"v1.0/appkeys/{appkey}/images?id={own}", token), 30403);
        using var kept = await nhn.SendAsync(HttpMethod.Get, $"v2/images/{own}", member.Token);
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
    }
}
