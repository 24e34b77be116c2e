using System.Net;
using Kura.Dashboard.Tests.Support;
using Kura.Tests.Support;

namespace Kura.Dashboard.Tests;

public sealed class KeystoneDashboardFixture : IAsyncLifetime
{
    public KuraHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await KuraHost.StartBehindKeystoneAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>The dashboard behind the cloud's Keystone (<c>Identity:Type=Keystone</c>): users sign in with their Keystone password.</summary>
public sealed class DashboardKeystoneTests(KeystoneDashboardFixture fixture) : IClassFixture<KeystoneDashboardFixture>
{
    private KuraHost Host => fixture.Host;

    [Fact]
    public async Task A_keystone_user_signs_in_works_in_a_project_and_switches_to_another()
    {
        var home = await KeystoneServer.CreateAccountAsync("dash-home");
        var away = await KeystoneServer.CreateAccountAsync("dash-away");
        await KeystoneServer.GrantAsync(home.UserId, away.ProjectId, "member");

        using var client = new DashboardClient(Host.BaseUrl);
        using var wrong = await client.SignInAsync(home.UserName!, "not-the-password", home.ProjectName!);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        using var signedIn = await client.SignInAsync(home.UserName!, home.Password!, home.ProjectName!);
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        var (_, list) = await client.GetPageAsync("dashboard/images");
        Assert.Contains(home.UserName!, list, StringComparison.Ordinal);
        Assert.Contains($"<option value=\"{away.ProjectId}\">{away.ProjectName}</option>", list, StringComparison.Ordinal);

        using var created = await client.PostAsync("dashboard/images", [new("name", "made-at-home"), new("disk_format", "raw"), new("container_format", "bare"), new("visibility", "private"), new("min_disk", "0"), new("min_ram", "0")]);
        Assert.Equal(HttpStatusCode.SeeOther, created.StatusCode);
        var mine = await Host.SendJsonAsync(HttpMethod.Get, "v2/images?name=made-at-home", home.Token, null);
        Assert.Equal(home.ProjectId, mine["images"]![0]!["owner"]!.GetValue<string>());

        // Switching rescopes through Keystone: what is made next belongs to the other project.
        using var switched = await client.PostAsync("dashboard/project", [new("project", away.ProjectId)]);
        Assert.Equal(HttpStatusCode.SeeOther, switched.StatusCode);
        using var madeAway = await client.PostAsync("dashboard/images", [new("name", "made-away"), new("disk_format", "raw"), new("container_format", "bare"), new("visibility", "private"), new("min_disk", "0"), new("min_ram", "0")]);
        Assert.Equal(HttpStatusCode.SeeOther, madeAway.StatusCode);
        var theirs = await Host.SendJsonAsync(HttpMethod.Get, "v2/images?name=made-away", away.Token, null);
        Assert.Equal(away.ProjectId, theirs["images"]![0]!["owner"]!.GetValue<string>());

        // A project the user has no role on is refused.
        var stranger = await KeystoneServer.CreateAccountAsync("dash-stranger");
        using var refused = await client.PostAsync("dashboard/project", [new("project", stranger.ProjectId)]);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
