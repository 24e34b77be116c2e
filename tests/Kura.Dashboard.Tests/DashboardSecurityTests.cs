using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Kura.Dashboard.Tests.Support;
using Kura.Tests.Support;

namespace Kura.Dashboard.Tests;

/// <summary>The dashboard's security rules over plain HTTP (no browser): sessions, antiforgery, cookies, headers, and the domain's rules.</summary>
public sealed class DashboardSecurityTests : IClassFixture<KuraHostFixture>
{
    private readonly KuraHost _host;

    public DashboardSecurityTests(KuraHostFixture fixture) => _host = fixture.Host;

    private DashboardClient Client() => new(_host.BaseUrl);

    [Fact]
    public async Task WithoutASessionPagesRedirectToSignInAndComeBack()
    {
        using var client = Client();
        var (response, _) = await client.GetPageAsync("dashboard/images?status=active");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/dashboard/signin?next=%2Fdashboard%2Fimages%3Fstatus%3Dactive", response.Headers.Location!.OriginalString);

        await client.GetPageAsync("dashboard/signin");
        using var signedIn = await client.PostAsync("dashboard/signin", [new("user", "admin"), new("password", KuraHost.AdminPassword), new("project", "admin"), new("next", "/dashboard/images?status=active")]);
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        Assert.Equal("/dashboard/images?status=active", signedIn.Headers.Location!.OriginalString);

        // Only the dashboard's own paths are followed after sign-in.
        using var other = Client();
        await other.GetPageAsync("dashboard/signin");
        using var offsite = await other.PostAsync("dashboard/signin", [new("user", "admin"), new("password", KuraHost.AdminPassword), new("project", "admin"), new("next", "https://evil.example/")]);
        Assert.Equal("/dashboard/images", offsite.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task SessionCookieIsHttpOnlySameSiteStrictAndHoldsNoToken()
    {
        using var client = Client();
        using var response = await client.SignInAsync("admin", KuraHost.AdminPassword, "admin");
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("kura_session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/dashboard", cookie, StringComparison.OrdinalIgnoreCase);
        // Plain http here; Secure is set when the request (or Identity:PublicUrl) is https.
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);

        // The session id is not a Kura token: the API refuses it.
        var sessionId = cookie["kura_session=".Length..cookie.IndexOf(';', StringComparison.Ordinal)];
        using var api = await _host.SendAsync(HttpMethod.Get, "v2/images", sessionId);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);

        // No page carries the token or the password.
        var (_, html) = await client.GetPageAsync("dashboard/images");
        Assert.DoesNotContain(KuraHost.AdminPassword, html, StringComparison.Ordinal);
        Assert.Contains("admin", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PagesCarryAStrictContentSecurityPolicy()
    {
        using var client = Client();
        var (response, html) = await client.GetPageAsync("dashboard/signin");
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\son[a-z]+=", html);
    }

    [Fact]
    public async Task FormsWithoutAValidAntiforgeryTokenAreRefused()
    {
        using var client = Client();
        using var noToken = await client.PostAsync("dashboard/signin", [new("user", "admin"), new("password", KuraHost.AdminPassword), new("project", "admin")], withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        Assert.Contains("text/html", noToken.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);

        using var signedIn = await client.SignInAsync("admin", KuraHost.AdminPassword, "admin");
        await client.GetPageAsync("dashboard/images/new");
        using var forged = await client.PostAsync("dashboard/images", [new("__af", "forged"), new("name", "x"), new("disk_format", "raw"), new("container_format", "bare"), new("visibility", "shared")], withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        using var missing = await client.PostAsync("dashboard/images", [new("name", "x"), new("disk_format", "raw"), new("container_format", "bare"), new("visibility", "shared")], withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);

        // A token minted for another session is refused too.
        using var other = Client();
        await other.SignInAsync("admin", KuraHost.AdminPassword, "admin");
        await other.GetPageAsync("dashboard/images/new");
        using var stolen = await client.PostAsync("dashboard/images", [new("__af", other.Token), new("name", "x"), new("disk_format", "raw"), new("container_format", "bare"), new("visibility", "shared")], withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, stolen.StatusCode);

        // The upload endpoint takes the token in a header.
        var image = await _host.CreateImageAsync(await _host.AdminTokenAsync());
        using var upload = new HttpRequestMessage(HttpMethod.Put, $"dashboard/images/{image["id"]}/file") { Content = new ByteArrayContent(new byte[16]) };
        upload.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        upload.Headers.Accept.ParseAdd("application/json");
        using var refused = await client.Http.SendAsync(upload);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.NotNull(JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["message"]);
    }

    [Fact]
    public async Task SignOutRevokesTheToken()
    {
        using var client = Client();
        await client.SignInAsync("admin", KuraHost.AdminPassword, "admin");
        var (ok, _) = await client.GetPageAsync("dashboard/images");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var cookies = client.Cookies.GetCookies(new Uri(_host.BaseUrl + "/dashboard/"));
        var session = cookies["kura_session"]!.Value;
        using var signedOut = await client.PostAsync("dashboard/signout", []);
        Assert.Equal(HttpStatusCode.SeeOther, signedOut.StatusCode);

        // Replaying the old session cookie leads to the sign-in page.
        using var replay = Client();
        replay.Cookies.Add(new Uri(_host.BaseUrl + "/dashboard/"), new Cookie("kura_session", session, "/dashboard"));
        var (response, _) = await replay.GetPageAsync("dashboard/images");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    [Fact]
    public async Task WrongPasswordIsAPageWithAMessageAndNoEcho()
    {
        using var client = Client();
        using var response = await client.SignInAsync("admin", "not-the-password", "admin");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Sign-in failed", html, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", html, StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("kura_session=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TheDashboardCannotDoWhatTheApiForbids()
    {
        var owner = await _host.CreateAccountAsync("sec-owner");
        var other = await _host.CreateAccountAsync("sec-other");
        var image = await _host.CreateImageAsync(owner.Token);
        var id = image["id"]!.GetValue<string>();

        using var client = Client();
        await client.SignInAsync("sec-owner", "sec-owner-pw", "sec-owner");
        await client.GetPageAsync($"dashboard/images/{id}/edit");
        // A member may not publicize an image: the same 403 rule as PATCH /v2/images.
        using var publicize = await client.PostAsync($"dashboard/images/{id}/edit", [new("name", "img"), new("visibility", "public"), new("min_disk", "0"), new("min_ram", "0")]);
        Assert.Equal(HttpStatusCode.SeeOther, publicize.StatusCode);
        var (_, page) = await client.GetPageAsync(publicize.Headers.Location!.OriginalString.TrimStart('/'));
        Assert.Contains("publicize_image", page, StringComparison.Ordinal);
        Assert.Equal("shared", (await _host.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", owner.Token, null))["visibility"]!.GetValue<string>());

        // A value outside the schema's enum never reaches the domain.
        using var bogus = await client.PostAsync($"dashboard/images/{id}/edit", [new("name", "img"), new("visibility", "everyone"), new("min_disk", "0"), new("min_ram", "0")]);
        Assert.Equal(HttpStatusCode.SeeOther, bogus.StatusCode);
        Assert.Equal("shared", (await _host.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", owner.Token, null))["visibility"]!.GetValue<string>());

        // Another project cannot see the image at all: 404, as in the API.
        using var stranger = Client();
        await stranger.SignInAsync("sec-other", "sec-other-pw", "sec-other");
        var (notFound, _) = await stranger.GetPageAsync($"dashboard/images/{id}");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        await stranger.GetPageAsync("dashboard/images");
        using var delete = await stranger.PostAsync($"dashboard/images/{id}/delete", []);
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        using var stillThere = await _host.SendAsync(HttpMethod.Get, $"v2/images/{id}", owner.Token);
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
        Assert.NotEqual(owner.ProjectId, other.ProjectId);
    }

    [Fact]
    public async Task DownloadStreamsTheDataAsAnAttachment()
    {
        var owner = await _host.CreateAccountAsync("dl-owner");
        var image = await _host.CreateImageAsync(owner.Token, new JsonObject { ["name"] = "tiny disk", ["disk_format"] = "raw", ["container_format"] = "bare" });
        var id = image["id"]!.GetValue<string>();
        var data = Enumerable.Range(0, 70_000).Select(i => (byte)i).ToArray();
        using (var uploaded = await _host.UploadAsync(owner.Token, id, new ByteArrayContent(data)))
        {
            Assert.Equal(HttpStatusCode.NoContent, uploaded.StatusCode);
        }

        using var client = Client();
        await client.SignInAsync("dl-owner", "dl-owner-pw", "dl-owner");
        using var response = await client.Http.GetAsync($"dashboard/images/{id}/download");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("tiny_disk", response.Content.Headers.ContentDisposition.FileName);
        Assert.Equal(data, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task UnknownDashboardPathsAreHtmlNotGlanceJson()
    {
        using var response = await _host.Http.GetAsync("dashboard/no-such-page");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("text/html", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        using var glance = await _host.Http.GetAsync("v2/images");
        Assert.Equal(HttpStatusCode.Unauthorized, glance.StatusCode);
    }

    [Fact]
    public async Task LanguageFollowsAcceptLanguageAndTheCookie()
    {
        using var client = Client();
        client.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("ja-JP,ja;q=0.9,en;q=0.5");
        var (_, html) = await client.GetPageAsync("dashboard/signin");
        Assert.Contains("<html lang=\"ja\">", html, StringComparison.Ordinal);
        Assert.Contains("サインイン", html, StringComparison.Ordinal);

        using var chosen = await client.PostAsync("dashboard/language", [new("lang", "en"), new("back", "/dashboard/signin")]);
        Assert.Equal(HttpStatusCode.SeeOther, chosen.StatusCode);
        var (_, english) = await client.GetPageAsync("dashboard/signin");
        Assert.Contains("<html lang=\"en\">", english, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwitchingProjectRescopesToAProjectTheUserHoldsARoleOn()
    {
        var home = await _host.CreateAccountAsync("sw-home");
        var away = await _host.CreateAccountAsync("sw-away");
        var stranger = await _host.CreateAccountAsync("sw-stranger");
        var admin = await _host.AdminTokenAsync();
        var member = (await _host.SendJsonAsync(HttpMethod.Get, "identity/v3/roles?name=member", admin, null))["roles"]![0]!["id"]!.GetValue<string>();
        using (var grant = await _host.SendAsync(HttpMethod.Put, $"identity/v3/projects/{away.ProjectId}/users/{home.UserId}/roles/{member}", admin))
        {
            Assert.Equal(HttpStatusCode.NoContent, grant.StatusCode);
        }

        using var client = Client();
        await client.SignInAsync("sw-home", "sw-home-pw", "sw-home");
        var (_, list) = await client.GetPageAsync("dashboard/images");
        Assert.Contains($"<option value=\"{away.ProjectId}\">sw-away</option>", list, StringComparison.Ordinal);
        Assert.DoesNotContain(stranger.ProjectId, list, StringComparison.Ordinal);

        // A project the user holds no role on is refused.
        using var refused = await client.PostAsync("dashboard/project", [new("project", stranger.ProjectId)]);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        using var switched = await client.PostAsync("dashboard/project", [new("project", away.ProjectId)]);
        Assert.Equal(HttpStatusCode.SeeOther, switched.StatusCode);
        var (_, after) = await client.GetPageAsync("dashboard/images");
        Assert.Contains("Now working in project sw-away.", after, StringComparison.Ordinal);
        using var created = await client.PostAsync("dashboard/images", [new("name", "made-after-switch"), new("disk_format", "raw"), new("container_format", "bare"), new("visibility", "private"), new("min_disk", "0"), new("min_ram", "0")]);
        Assert.Equal(HttpStatusCode.SeeOther, created.StatusCode);
        var images = await _host.SendJsonAsync(HttpMethod.Get, "v2/images?name=made-after-switch", away.Token, null);
        Assert.Equal(away.ProjectId, images["images"]![0]!["owner"]!.GetValue<string>());
    }
}
