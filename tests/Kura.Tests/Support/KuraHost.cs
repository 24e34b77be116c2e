using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kura.Server;
using Microsoft.AspNetCore.Builder;

namespace Kura.Tests.Support;

/// <summary>
/// A real Kura on a real Kestrel bound to a free loopback port, with its own temporary data directory
/// (SQLite file and blob directory). Each test class gets one through <see cref="KuraHostFixture"/>.
/// </summary>
public sealed class KuraHost : IAsyncDisposable
{
    public const string AdminPassword = "admin-secret-pw";

    private WebApplication _app = null!;

    private KuraHost(string dataDirectory) => DataDirectory = dataDirectory;

    /// <summary>
    /// The metadata backend of every host the tests start: <c>KURA_TEST_DATABASE</c> (<c>Sqlite</c>, the default, or
    /// <c>Postgres</c>, which gives each host a fresh database on <see cref="PostgresServer"/>). scripts/test.sh runs
    /// the HTTP suites once per backend.
    /// </summary>
    public static string Backend => Environment.GetEnvironmentVariable("KURA_TEST_DATABASE") is { Length: > 0 } value ? value : "Sqlite";

    /// <summary>The PostgreSQL database of this host, when <see cref="Backend"/> is Postgres.</summary>
    public string? PostgresDatabase { get; private set; }

    private string? _connectionString;

    public string DataDirectory { get; }

    public string BaseUrl { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Whether this host's tokens are the real Keystone's (<see cref="StartBehindKeystoneAsync"/>): then the identity
    /// helpers below create accounts and tokens there instead of in Kura's own identity.
    /// </summary>
    public bool BehindKeystone { get; private init; }

    /// <summary>A host with <c>Identity:Type=Keystone</c> pointed at <see cref="KeystoneServer"/>.</summary>
    public static async Task<KuraHost> StartBehindKeystoneAsync(params string[] extraArgs)
    {
        var host = new KuraHost(Directory.CreateTempSubdirectory("kura-test-").FullName) { BehindKeystone = true };
        if (Backend == "Postgres")
        {
            (host.PostgresDatabase, host._connectionString) = await PostgresServer.CreateDatabaseAsync();
        }

        await host.StartAppAsync(extraArgs);
        return host;
    }

    public static async Task<KuraHost> StartAsync(string? dataDirectory = null, params string[] extraArgs)
    {
        var host = new KuraHost(dataDirectory ?? Directory.CreateTempSubdirectory("kura-test-").FullName);
        if (Backend == "Postgres")
        {
            (host.PostgresDatabase, host._connectionString) = await PostgresServer.CreateDatabaseAsync();
        }

        await host.StartAppAsync(extraArgs);
        return host;
    }

    private async Task StartAppAsync(string[] extraArgs)
    {
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            $"--DataDirectory={DataDirectory}",
            $"--Identity:AdminPassword={AdminPassword}",
            // Fewer KDF rounds keep the suite fast; the production default is tested on its own.
            "--Identity:PasswordIterations=1000",
            "--Logging:LogLevel:Default=Warning",
            .. DatabaseArgs(_connectionString),
            .. BehindKeystone ? KeystoneServer.KuraArgs() : [],
            .. extraArgs,
        ];
        _app = KuraServer.Build(args);
        await KuraServer.InitializeAsync(_app);
        await _app.StartAsync();
        BaseUrl = _app.Urls.First().TrimEnd('/');
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl + "/") };
    }

    /// <summary>
    /// One node of a cluster: a host on <paramref name="connectionString"/> (PostgreSQL, created and dropped by
    /// the caller) and a data directory other nodes share.
    /// </summary>
    public static async Task<KuraHost> StartNodeAsync(string dataDirectory, string connectionString, params string[] extraArgs)
    {
        var host = new KuraHost(dataDirectory) { _connectionString = connectionString };
        await host.StartAppAsync(extraArgs);
        return host;
    }

    /// <summary>Command-line arguments that point a Kura at <paramref name="connectionString"/> (none for SQLite).</summary>
    public static string[] DatabaseArgs(string? connectionString) =>
        connectionString is null ? [] : ["--Database:Type=Postgres", $"--Database:ConnectionString={connectionString}"];

    /// <summary>Stops the server without deleting its data, and starts a new one on the same directory.</summary>
    public async Task RestartAsync(params string[] extraArgs)
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await StartAppAsync(extraArgs);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (PostgresDatabase is not null)
        {
            await PostgresServer.DropDatabaseAsync(PostgresDatabase);
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // ---- identity helpers ----------------------------------------------------------------------------------

    public async Task<(string Token, JsonNode Body)> IssueTokenAsync(string user, string password, string? project, string domain = "Default")
    {
        var auth = new JsonObject
        {
            ["identity"] = new JsonObject
            {
                ["methods"] = new JsonArray("password"),
                ["password"] = new JsonObject
                {
                    ["user"] = new JsonObject { ["name"] = user, ["domain"] = new JsonObject { ["name"] = domain }, ["password"] = password },
                },
            },
        };
        if (project is not null)
        {
            auth["scope"] = new JsonObject { ["project"] = new JsonObject { ["name"] = project, ["domain"] = new JsonObject { ["name"] = domain } } };
        }

        using var response = await Http.PostAsJsonAsync("identity/v3/auth/tokens", new JsonObject { ["auth"] = auth });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (response.Headers.GetValues("X-Subject-Token").Single(), JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    public async Task<string> AdminTokenAsync() =>
        BehindKeystone ? await KeystoneServer.AdminTokenAsync() : (await IssueTokenAsync("admin", AdminPassword, "admin")).Token;

    /// <summary>Creates a project and a user holding <paramref name="role"/> on it; returns the project id and a token.</summary>
    public async Task<Account> CreateAccountAsync(string name, string role = "member")
    {
        if (BehindKeystone)
        {
            return await KeystoneServer.CreateAccountAsync(name, role);
        }

        var admin = await AdminTokenAsync();
        var project = await SendJsonAsync(HttpMethod.Post, "identity/v3/projects", admin, new JsonObject { ["project"] = new JsonObject { ["name"] = name } });
        var projectId = project["project"]!["id"]!.GetValue<string>();
        var user = await SendJsonAsync(HttpMethod.Post, "identity/v3/users", admin, new JsonObject
        {
            ["user"] = new JsonObject { ["name"] = name, ["password"] = name + "-pw", ["default_project_id"] = projectId },
        });
        var userId = user["user"]!["id"]!.GetValue<string>();
        var roles = await SendJsonAsync(HttpMethod.Get, $"identity/v3/roles?name={role}", admin, null);
        var roleId = roles["roles"]![0]!["id"]!.GetValue<string>();
        using var grant = Request(HttpMethod.Put, $"identity/v3/projects/{projectId}/users/{userId}/roles/{roleId}", admin);
        using var granted = await Http.SendAsync(grant);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, granted.StatusCode);
        var (token, _) = await IssueTokenAsync(name, name + "-pw", name);
        return new Account(projectId, userId, token);
    }

    /// <summary>A new user of project <paramref name="projectId"/> holding only <paramref name="role"/> there, and its token.</summary>
    public async Task<Account> AddUserAsync(string projectId, string name, string role)
    {
        if (BehindKeystone)
        {
            return await KeystoneServer.AddUserAsync(projectId, name, role);
        }

        var admin = await AdminTokenAsync();
        var user = await SendJsonAsync(HttpMethod.Post, "identity/v3/users", admin, new JsonObject { ["user"] = new JsonObject { ["name"] = name, ["password"] = name + "-pw" } });
        var userId = user["user"]!["id"]!.GetValue<string>();
        var roleId = (await SendJsonAsync(HttpMethod.Get, $"identity/v3/roles?name={role}", admin, null))["roles"]![0]!["id"]!.GetValue<string>();
        using var granted = await SendAsync(HttpMethod.Put, $"identity/v3/projects/{projectId}/users/{userId}/roles/{roleId}", admin);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, granted.StatusCode);
        var project = (await SendJsonAsync(HttpMethod.Get, $"identity/v3/projects/{projectId}", admin, null))["project"]!["name"]!.GetValue<string>();
        var (token, _) = await IssueTokenAsync(name, name + "-pw", project);
        return new Account(projectId, userId, token) { UserName = name, Password = name + "-pw" };
    }

    /// <summary>Starts an upload by hand on a raw socket: declares <paramref name="declaredLength"/> bytes, sends <paramref name="sent"/> random ones.</summary>
    public Task<TcpClient> StartRawUploadAsync(string token, string id, long declaredLength, int sent) =>
        StartRawUploadAsync(BaseUrl, token, id, declaredLength, sent);

    /// <summary>The same against any Kura at <paramref name="baseUrl"/> (a <see cref="KuraProcess"/> too).</summary>
    public static async Task<TcpClient> StartRawUploadAsync(string baseUrl, string token, string id, long declaredLength, int sent)
    {
        var uri = new Uri(baseUrl);
        var client = new TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        var stream = client.GetStream();
        var head = $"PUT /v2/images/{id}/file HTTP/1.1\r\nHost: {uri.Authority}\r\nX-Auth-Token: {token}\r\n" +
                   $"Content-Type: application/octet-stream\r\nContent-Length: {declaredLength}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(System.Security.Cryptography.RandomNumberGenerator.GetBytes(sent));
        await stream.FlushAsync();
        return client;
    }

    /// <summary>Waits until image <paramref name="id"/> has <paramref name="status"/> (10 s unless told).</summary>
    public async Task WaitForStatusAsync(string token, string id, string status, TimeSpan? within = null)
    {
        var until = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        string current;
        while ((current = (await SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null))["status"]!.GetValue<string>()) != status)
        {
            Assert.True(DateTime.UtcNow < until, $"image {id} still {current}, expected {status}");
            await Task.Delay(100);
        }
    }

    // ---- HTTP helpers --------------------------------------------------------------------------------------

    public static HttpRequestMessage Request(HttpMethod method, string path, string? token, HttpContent? content = null, string? accept = "application/json")
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (token is not null)
        {
            request.Headers.Add("X-Auth-Token", token);
        }

        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        return request;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, HttpContent? content = null, string? accept = "application/json")
    {
        using var request = Request(method, path, token, content, accept);
        return await Http.SendAsync(request);
    }

    /// <summary>Sends JSON, asserts a 2xx, and returns the parsed body.</summary>
    /// <summary>Sends a request and returns only its status (the response is disposed at once).</summary>
    public async Task<HttpStatusCode> StatusAsync(HttpMethod method, string path, string? token, HttpContent? content = null, string? accept = "application/json")
    {
        using var response = await SendAsync(method, path, token, content, accept);
        return response.StatusCode;
    }

    public async Task<JsonNode> SendJsonAsync(HttpMethod method, string path, string token, JsonNode? body)
    {
        using var response = await SendAsync(method, path, token, body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    public async Task<JsonNode> CreateImageAsync(string token, JsonObject? body = null)
    {
        body ??= new JsonObject { ["name"] = "img", ["disk_format"] = "raw", ["container_format"] = "bare" };
        using var response = await SendAsync(HttpMethod.Post, "v2/images", token, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"create answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    public async Task<HttpResponseMessage> UploadAsync(string token, string imageId, HttpContent content)
    {
        content.Headers.ContentType ??= new MediaTypeHeaderValue("application/octet-stream");
        return await SendAsync(HttpMethod.Put, $"v2/images/{imageId}/file", token, content, accept: null);
    }

    /// <summary>Uploads <paramref name="data"/> and asserts Glance's 204.</summary>
    public async Task UploadOkAsync(string token, string imageId, byte[] data)
    {
        using var upload = await UploadAsync(token, imageId, new ByteArrayContent(data));
        Assert.True(upload.StatusCode == HttpStatusCode.NoContent, $"upload of {data.Length} bytes answered {(int)upload.StatusCode}: {await upload.Content.ReadAsStringAsync()}");
    }

    /// <summary>Downloads the image's data and asserts it is <paramref name="expected"/>.</summary>
    public async Task AssertDataAsync(string token, string imageId, byte[] expected)
    {
        using var download = await SendAsync(HttpMethod.Get, $"v2/images/{imageId}/file", token, null, accept: null);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(MD5.HashData(expected), MD5.HashData(await download.Content.ReadAsByteArrayAsync()));
    }

    public static JsonNode Parse(string text) => JsonNode.Parse(text)!;

    public static async Task<JsonNode> ReadJsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    public static JsonSerializerOptions JsonOptions { get; } = new();
}

public sealed record Account(string ProjectId, string UserId, string Token)
{
    /// <summary>The user's name and password, where the test needs to sign in again (the Keystone accounts).</summary>
    public string? UserName { get; init; }

    public string? Password { get; init; }

    public string? ProjectName { get; init; }
}

/// <summary>One Kura per test class, so classes never see each other's data.</summary>
public sealed class KuraHostFixture : IAsyncLifetime
{
    public KuraHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await KuraHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
