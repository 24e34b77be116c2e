using static Kura.Tests.Providers.NhnFixture;

namespace Kura.Tests.Providers;

/// <summary>The new endpoints for each role on a project (reader, member, admin) and for another project's caller.</summary>
public sealed class ProviderRolesTests
{
    [Theory]
    [InlineData("reader")]
    [InlineData("member")]
    [InlineData("admin")]
    public async Task Any_role_acts_for_its_own_project_on_the_conoha_quota(string role)
    {
        await using var host = await KuraHost.StartAsync(null, "--Policy:Preset=Conoha");
        var account = await host.CreateAccountAsync("quota-" + role, role);
        var other = await host.CreateAccountAsync("quota-bystander");
        var body = JsonNode.Parse("""{"quota":{"image_size":"550GB"}}""");
        Assert.Equal("550GB", (await host.SendJsonAsync(HttpMethod.Put, "v2/quota", account.Token, body))["quota"]!["image_size"]!.GetValue<string>());
        Assert.Equal("550GB", (await host.SendJsonAsync(HttpMethod.Get, "v2/quota", account.Token, null))["quota"]!["image_size"]!.GetValue<string>());
        Assert.Equal("50GB", (await host.SendJsonAsync(HttpMethod.Get, "v2/quota", other.Token, null))["quota"]!["image_size"]!.GetValue<string>());
        Assert.Equal(0, (await host.SendJsonAsync(HttpMethod.Get, "v2/images/total", account.Token, null))["images"]!["size"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("reader")]
    [InlineData("member")]
    [InlineData("admin")]
    public async Task Any_role_on_the_appkeys_project_lists_and_deletes_its_images_and_no_others(string role)
    {
        await using var host = await KuraHost.StartAsync(null, "--Policy:Preset=Nhn");
        var account = await host.CreateAccountAsync("nhn-" + role, role);
        var other = await host.CreateAccountAsync("nhn-other");
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
}
