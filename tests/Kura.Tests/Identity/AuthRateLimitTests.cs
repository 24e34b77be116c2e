using System.Net;
using System.Text;
using Kura.Tests.Providers;
using Kura.Tests.Support;

namespace Kura.Tests.Identity;

/// <summary>Password attempts per client address and minute (Identity:AuthAttemptsPerMinute), on every token endpoint.</summary>
public sealed class AuthRateLimitTests
{
    private const string V3Body = """{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"id": "default"}, "password": "wrong"}}}}}""";

    [Fact]
    public async Task Keystone_endpoints_answer_429_in_keystone_shape_beyond_the_limit_and_other_routes_are_untouched()
    {
        await using var kura = await KuraHost.StartAsync(null, "--Identity:AuthAttemptsPerMinute=4");
        var token = await kura.AdminTokenAsync(); // attempt 1
        for (var i = 0; i < 3; i++)
        {
            using var refused = await kura.Http.PostAsync("identity/v3/auth/tokens", new StringContent(V3Body, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var limited = await kura.Http.PostAsync("identity/v3/auth/tokens", new StringContent(V3Body, Encoding.UTF8, "application/json")))
        {
            Assert.Equal((HttpStatusCode)429, limited.StatusCode);
            var error = KuraHost.Parse(await limited.Content.ReadAsStringAsync())["error"]!;
            Assert.Equal(429, error["code"]!.GetValue<int>());
            Assert.Equal("Too Many Requests", error["title"]!.GetValue<string>());
        }

        using (var v2 = await kura.Http.PostAsync("identity/v2.0/tokens", new StringContent("""{"auth": {"passwordCredentials": {"username": "admin", "password": "admin-secret-pw"}}}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal((HttpStatusCode)429, v2.StatusCode);
        }

        // Tokens already issued keep working, and validation is not a password attempt.
        using var list = await kura.SendAsync(HttpMethod.Get, "v2/images", token, null);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        using var check = new HttpRequestMessage(HttpMethod.Get, "identity/v3/auth/tokens");
        check.Headers.Add("X-Auth-Token", token);
        check.Headers.Add("X-Subject-Token", token);
        using var validated = await kura.Http.SendAsync(check);
        Assert.Equal(HttpStatusCode.OK, validated.StatusCode);
    }

    [Fact]
    public async Task The_nhn_token_endpoint_answers_its_envelope_with_code_50429()
    {
        await using var kura = await KuraHost.StartAsync(null, "--Policy:Preset=Nhn", "--Identity:AuthAttemptsPerMinute=3");
        // Two admin tokens below (the project lookup, the appkey lookup), then one NHN attempt within the limit and one beyond.
        var appkey = await NhnFixture.AppkeyAsync(kura, (await kura.SendJsonAsync(HttpMethod.Get, "identity/v3/projects?name=admin", await kura.AdminTokenAsync(), null))["projects"]![0]!["id"]!.GetValue<string>());
        var body = """{"auth": {"username": "admin", "password": "wrong"}}""";
        var first = await NhnFixture.CallAsync(kura, HttpMethod.Post, $"v1.0/appkeys/{appkey}/tokens", null, body);
        Assert.False(first["header"]!["isSuccessful"]!.GetValue<bool>());
        Assert.NotEqual(50429, first["header"]!["resultCode"]!.GetValue<int>());
        var limited = await NhnFixture.CallAsync(kura, HttpMethod.Post, $"v1.0/appkeys/{appkey}/tokens", null, body);
        Assert.Equal(50429, limited["header"]!["resultCode"]!.GetValue<int>());
        Assert.False(limited["header"]!["isSuccessful"]!.GetValue<bool>());
    }

    [Fact]
    public async Task The_dashboard_sign_in_counts_too_and_answers_429_as_a_page()
    {
        await using var kura = await KuraHost.StartAsync(null, "--Identity:AuthAttemptsPerMinute=2");
        for (var i = 0; i < 2; i++)
        {
            using var refused = await kura.Http.PostAsync("dashboard/signin", new FormUrlEncodedContent([new("user", "admin"), new("password", "wrong"), new("project", "admin")]));
            Assert.NotEqual((HttpStatusCode)429, refused.StatusCode);
        }

        using var limited = await kura.Http.PostAsync("dashboard/signin", new FormUrlEncodedContent([new("user", "admin"), new("password", "wrong"), new("project", "admin")]));
        Assert.Equal((HttpStatusCode)429, limited.StatusCode);
        Assert.Equal("text/html", limited.Content.Headers.ContentType!.MediaType);
    }
}
