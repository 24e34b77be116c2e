using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Sockets;
using Kura.Domain.Images;
using Kura.Tests.Api;
using Kura.Tests.Providers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Kura.Tests.Identity;

/// <summary>One Kura behind the real Keystone (<see cref="KeystoneServer"/>) for a test class, with keystonemiddleware's cache time.</summary>
public sealed class KeystoneHostFixture : IAsyncLifetime
{
    public KuraHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await KuraHost.StartBehindKeystoneAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>The same with a token cache time of 2 s, for the tests that watch a token's end reach Kura.</summary>
public sealed class ShortCacheKeystoneHostFixture : IAsyncLifetime
{
    public KuraHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await KuraHost.StartBehindKeystoneAsync("--Identity:Keystone:TokenCacheTime=00:00:02");

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class KeystoneMatrixFixture : MatrixFixture
{
    protected override Task<KuraHost> StartHostAsync() => KuraHost.StartBehindKeystoneAsync();
}

/// <summary>Who may do what to whose image, with every token issued by the real Keystone.</summary>
public sealed class KeystoneAuthorizationTests(KeystoneHostFixture fixture) : AuthorizationSuite, IClassFixture<KeystoneHostFixture>
{
    protected override KuraHost Kura => fixture.Host;

    protected override Task<KuraHost> StartAsync(params string[] args) => KuraHost.StartBehindKeystoneAsync(args);
}

/// <summary>The endpoint × caller matrix, with every token issued by the real Keystone.</summary>
public sealed class KeystoneAuthorizationMatrixTests(KeystoneMatrixFixture fixture) : AuthorizationMatrix(fixture), IClassFixture<KeystoneMatrixFixture>;

/// <summary>
/// <c>Identity:Type=Keystone</c> (issue 16): Kura validates the cloud's tokens with Keystone as its service user,
/// remembers the answers for the cache time, honours service tokens as keystonemiddleware does, and turns every
/// Keystone failure into a 503 in the dialect's shape without accepting anything unchecked.
/// </summary>
public sealed class KeystoneIdentityTests(ShortCacheKeystoneHostFixture fixture) : IClassFixture<ShortCacheKeystoneHostFixture>
{
    private KuraHost Kura => fixture.Host;

    [Fact]
    public async Task Keystones_tokens_are_accepted_and_kuras_own_identity_routes_are_gone()
    {
        var account = await KeystoneServer.CreateAccountAsync("plain");
        var image = await Kura.CreateImageAsync(account.Token);
        Assert.Equal(account.ProjectId, image["owner"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.NotFound, await Kura.StatusAsync(HttpMethod.Get, "identity/v3", null));
        Assert.Equal(HttpStatusCode.NotFound, await Kura.StatusAsync(HttpMethod.Post, "identity/v3/auth/tokens", null, JsonContent.Create(new { auth = new { } })));
        Assert.Equal(HttpStatusCode.NotFound, await Kura.StatusAsync(HttpMethod.Get, "identity/v3/projects", account.Token));

        using var anonymous = await Kura.SendAsync(HttpMethod.Get, "v2/images", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var keystone = KeystoneServer.Url[..^"/v3".Length];
        Assert.Equal($"Keystone uri=\"{keystone}\"", anonymous.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task A_domain_scoped_keystone_token_is_refused_with_a_403_as_the_newest_glance_enforces_scope()
    {
        var account = await KeystoneServer.CreateAccountAsync("domain");
        var admin = await KeystoneServer.AdminTokenAsync();
        var reader = (await KeystoneServer.CallAsync(HttpMethod.Get, "roles?name=reader", admin, null))!["roles"]![0]!["id"]!.GetValue<string>();
        await KeystoneServer.CallAsync(HttpMethod.Put, $"domains/default/users/{account.UserId}/roles/{reader}", admin, null);
        using var http = new HttpClient();
        // A StringContent: Keystone under uwsgi does not read a chunked body (PostAsJsonAsync streams one).
        using var issued = await http.PostAsync($"{KeystoneServer.Url}/auth/tokens?nocatalog", new StringContent(new JsonObject
        {
            ["auth"] = new JsonObject
            {
                ["identity"] = new JsonObject
                {
                    ["methods"] = new JsonArray("password"),
                    ["password"] = new JsonObject { ["user"] = new JsonObject { ["id"] = account.UserId, ["password"] = account.Password } },
                },
                ["scope"] = new JsonObject { ["domain"] = new JsonObject { ["id"] = "default" } },
            },
        }.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(issued.StatusCode == HttpStatusCode.Created, await issued.Content.ReadAsStringAsync());
        var domainToken = issued.Headers.GetValues("X-Subject-Token").Single();
        using var images = await Kura.SendAsync(HttpMethod.Get, "v2/images", domainToken);
        Assert.Equal(HttpStatusCode.Forbidden, images.StatusCode);
        Assert.Contains(global::Kura.Identity.TokenAuthentication.DomainScopeRefused, await images.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await Kura.StatusAsync(HttpMethod.Get, "v2/images", account.Token));
    }

    [Fact]
    public async Task A_revoked_token_is_refused_once_the_cache_time_has_passed()
    {
        var account = await KeystoneServer.CreateAccountAsync("revoked");
        Assert.Equal(HttpStatusCode.OK, await Kura.StatusAsync(HttpMethod.Get, "v2/images", account.Token));
        var revokedAt = Stopwatch.StartNew();
        await KeystoneServer.RevokeAsync(account.Token);

        // keystonemiddleware's contract: a validated token is trusted for token_cache_time (2 s here), no longer.
        await WaitForStatusAsync(account.Token, HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(10));
        Assert.True(revokedAt.Elapsed < TimeSpan.FromSeconds(5), $"refused only after {revokedAt.Elapsed}");
    }

    [Fact]
    public async Task A_token_of_a_project_disabled_in_keystone_is_refused_after_the_cache_time()
    {
        var account = await KeystoneServer.CreateAccountAsync("disabled");
        Assert.Equal(HttpStatusCode.OK, await Kura.StatusAsync(HttpMethod.Get, "v2/images", account.Token));
        await KeystoneServer.SetProjectEnabledAsync(account.ProjectId, false);
        await WaitForStatusAsync(account.Token, HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(10));
        var fresh = await Kura.StatusAsync(HttpMethod.Post, "v2/images", account.Token, JsonContent.Create(new { name = "after" }));
        Assert.Equal(HttpStatusCode.Unauthorized, fresh);
    }

    [Fact]
    public async Task A_service_token_with_the_service_role_is_accepted_and_any_other_is_refused()
    {
        var user = await KeystoneServer.CreateAccountAsync("svc-user");
        var service = await KeystoneServer.CreateAccountAsync("svc-nova", role: "service");
        var member = await KeystoneServer.CreateAccountAsync("svc-member");

        // A user token with a valid service token acts as the user: the image is the user's project's.
        using (var created = await SendWithServiceTokenAsync(HttpMethod.Post, "v2/images", user.Token, service.Token, JsonContent.Create(new { name = "by-nova" })))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal(user.ProjectId, (await KuraHost.ReadJsonAsync(created))["owner"]!.GetValue<string>());
        }

        // Not a service token (no service role), not a token at all, too long, or a good service token with a bad user token: 401.
        foreach (var (userToken, serviceToken) in new[]
        {
            (user.Token, member.Token),
            (user.Token, "not-a-token"),
            (user.Token, new string('a', 9000)),
            (user.Token, user.Token + "x"),
            ("not-a-token", service.Token),
        })
        {
            using var refused = await SendWithServiceTokenAsync(HttpMethod.Get, "v2/images", userToken, serviceToken);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.StartsWith("Keystone uri=", refused.Headers.WwwAuthenticate.ToString());
        }
    }

    [Fact]
    public async Task A_reader_reads_and_every_write_is_403_with_keystones_implied_roles()
    {
        var owner = await KeystoneServer.CreateAccountAsync("rbac-owner");
        var reader = await KeystoneServer.AddUserAsync(owner.ProjectId, "rbac-reader", "reader");
        var id = (await Kura.CreateImageAsync(owner.Token))["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.OK, await Kura.StatusAsync(HttpMethod.Get, $"v2/images/{id}", reader.Token));
        Assert.Equal(HttpStatusCode.Forbidden, await Kura.StatusAsync(HttpMethod.Post, "v2/images", reader.Token, JsonContent.Create(new { name = "nope" })));
        Assert.Equal(HttpStatusCode.Forbidden, await Kura.StatusAsync(HttpMethod.Delete, $"v2/images/{id}", reader.Token));
        Assert.Equal(HttpStatusCode.NoContent, await Kura.StatusAsync(HttpMethod.Delete, $"v2/images/{id}", owner.Token));
    }

    public static TheoryData<string> Faults => ["refused", "hangs", "fails"];

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_keystone_that_is_down_hangs_or_fails_is_a_503_in_glances_shape_and_changes_nothing(string fault)
    {
        await using var keystone = await FaultyKeystone.StartAsync(fault);
        await using var kura = await KuraHost.StartBehindKeystoneAsync(
            $"--Identity:Keystone:AuthUrl={keystone.Url}/v3", "--Identity:Keystone:Timeout=00:00:01");
        var clock = Stopwatch.StartNew();
        using var create = await kura.SendAsync(HttpMethod.Post, "v2/images", "some-token", JsonContent.Create(new { name = "never" }));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, create.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the 503 took {clock.Elapsed}");
        var body = await KuraHost.ReadJsonAsync(create);
        Assert.StartsWith("503", body["code"]!.ToString());
        Assert.Contains("Keystone", body["message"]!.GetValue<string>());

        Assert.Empty(await kura.Services.GetRequiredService<IImageStore>().CountByStatusAsync(CancellationToken.None));
    }

    private async Task WaitForStatusAsync(string token, HttpStatusCode expected, TimeSpan within)
    {
        var until = Stopwatch.StartNew();
        HttpStatusCode status;
        while ((status = await Kura.StatusAsync(HttpMethod.Get, "v2/images", token)) != expected)
        {
            Assert.True(until.Elapsed < within, $"still {status} after {until.Elapsed}");
            await Task.Delay(200);
        }
    }

    private async Task<HttpResponseMessage> SendWithServiceTokenAsync(HttpMethod method, string path, string userToken, string serviceToken, HttpContent? content = null)
    {
        using var request = KuraHost.Request(method, path, userToken, content);
        request.Headers.TryAddWithoutValidation("X-Service-Token", serviceToken);
        return await Kura.Http.SendAsync(request);
    }
}

/// <summary>
/// A Keystone that fails in one way, for the fault tests: <c>refused</c> (nothing listens on its port), <c>hangs</c>
/// (accepts connections and never answers) or <c>fails</c> (a real HTTP server answering 500 to everything).
/// </summary>
public sealed class FaultyKeystone : IAsyncDisposable
{
    private WebApplication? _app;
    private TcpListener? _listener;
    private readonly List<TcpClient> _held = [];

    public string Url { get; private set; } = null!;

    public static async Task<FaultyKeystone> StartAsync(string fault)
    {
        var keystone = new FaultyKeystone();
        switch (fault)
        {
            case "refused":
                var probe = new TcpListener(IPAddress.Loopback, 0);
                probe.Start();
                keystone.Url = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
                probe.Stop();
                break;
            case "hangs":
                keystone._listener = new TcpListener(IPAddress.Loopback, 0);
                keystone._listener.Start();
                keystone.Url = $"http://127.0.0.1:{((IPEndPoint)keystone._listener.LocalEndpoint).Port}";
                _ = Task.Run(async () =>
                {
                    while (true)
                    {
                        try
                        {
                            keystone._held.Add(await keystone._listener.AcceptTcpClientAsync());
                        }
                        catch (Exception)
                        {
                            return;
                        }
                    }
                });
                break;
            default:
                var builder = WebApplication.CreateSlimBuilder();
                builder.WebHost.UseUrls("http://127.0.0.1:0");
                keystone._app = builder.Build();
                keystone._app.Run(ctx =>
                {
                    ctx.Response.StatusCode = StatusCodes.Status500InternalServerError;
                    return ctx.Response.WriteAsync("{\"error\":{\"code\":500}}");
                });
                await keystone._app.StartAsync();
                keystone.Url = keystone._app.Urls.First().TrimEnd('/');
                break;
        }

        return keystone;
    }

    public async ValueTask DisposeAsync()
    {
        _listener?.Stop();
        foreach (var client in _held)
        {
            client.Dispose();
        }

        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

/// <summary>
/// NHN Cloud's v1.0 appkey API behind the cloud's Keystone: an operator gives a Keystone project its appkey with
/// <c>Kura.Server appkey PROJECT_ID</c>; the token endpoint then signs the user in at Keystone in that project.
/// </summary>
public sealed class KeystoneNhnTests
{
    [Fact]
    public async Task An_appkey_given_to_a_keystone_project_signs_its_users_in_at_keystone()
    {
        await using var kura = await KuraHost.StartBehindKeystoneAsync("--Policy:Preset=Nhn");
        var alpha = await KeystoneServer.CreateAccountAsync("nhn-alpha");
        var beta = await KeystoneServer.CreateAccountAsync("nhn-beta");
        var alphaKey = await AppkeyCommandAsync(kura, alpha.ProjectId);
        Assert.Equal(alphaKey, await AppkeyCommandAsync(kura, alpha.ProjectId)); // asking again keeps it
        Assert.Equal("beta-key_1", await AppkeyCommandAsync(kura, beta.ProjectId, "beta-key_1"));

        var body = await NhnFixture.CallAsync(kura, HttpMethod.Post, $"v1.0/appkeys/{alphaKey}/tokens", null, NhnFixture.Credentials(alpha.UserName!, alpha.Password!));
        NhnFixture.AssertSuccess(body);
        Assert.Equal(alpha.UserId, body["access"]!["user"]!["id"]!.GetValue<string>());
        var token = body["access"]!["token"]!["id"]!.GetValue<string>();

        // The token is Keystone's: Glance's routes take it, and the appkey's image routes act for alpha only.
        var image = (await kura.CreateImageAsync(token, new JsonObject { ["name"] = "nhn", ["os_type"] = "linux" }))["id"]!.GetValue<string>();
        var list = await NhnFixture.CallAsync(kura, HttpMethod.Get, $"v1.0/appkeys/{alphaKey}/images", token);
        NhnFixture.AssertSuccess(list);
        Assert.Contains(image, list["images"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        NhnFixture.AssertFailure(await NhnFixture.CallAsync(kura, HttpMethod.Get, "v1.0/appkeys/beta-key_1/images", token), -3);

        // Another project's user, a wrong password: refused in the envelope.
        NhnFixture.AssertFailure(await NhnFixture.CallAsync(kura, HttpMethod.Post, $"v1.0/appkeys/{alphaKey}/tokens", null, NhnFixture.Credentials(beta.UserName!, beta.Password!)), 50401);
        NhnFixture.AssertFailure(await NhnFixture.CallAsync(kura, HttpMethod.Post, $"v1.0/appkeys/{alphaKey}/tokens", null, NhnFixture.Credentials(alpha.UserName!, "wrong")), 50401);

        NhnFixture.AssertSuccess(await NhnFixture.CallAsync(kura, HttpMethod.Delete, $"v1.0/appkeys/{alphaKey}/images?id={image}", token));
    }

    /// <summary>Runs the operator's command, <c>dotnet Kura.Server.dll appkey …</c>, on the host's database; returns what it printed.</summary>
    private static async Task<string> AppkeyCommandAsync(KuraHost kura, string projectId, string? appkey = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Kura.Server.dll"), "appkey", projectId, appkey, $"--DataDirectory={kura.DataDirectory}" })
        {
            if (arg is not null)
            {
                start.ArgumentList.Add(arg);
            }
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"appkey exited {process.ExitCode}: {error}");
        return output.Trim();
    }
}
