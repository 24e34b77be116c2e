using System.Net;
using System.Text.Json.Nodes;

namespace Kura.Tests.Support;

/// <summary>
/// The real Keystone the tests put Kura behind (Debian's keystone under uwsgi, started by
/// <c>scripts/keystone.sh start</c>, which prints the <c>KURA_TEST_KEYSTONE_*</c> variables read here), and the
/// admin calls the tests make on it: projects, users, role grants, tokens, revocation. Every name gets a random
/// suffix, so runs against one Keystone never collide.
/// </summary>
public static class KeystoneServer
{
    private static readonly HttpClient Http = new();

    /// <summary>Keystone's v3 URL, e.g. <c>http://127.0.0.1:55000/v3</c>.</summary>
    public static string Url => Env("KURA_TEST_KEYSTONE_URL").TrimEnd('/');

    /// <summary>The arguments that put a Kura behind this Keystone as its service user.</summary>
    public static string[] KuraArgs(TimeSpan? cacheTime = null) =>
    [
        "--Identity:Type=Keystone",
        $"--Identity:Keystone:AuthUrl={Url}",
        $"--Identity:Keystone:Username={Env("KURA_TEST_KEYSTONE_SERVICE_USER")}",
        $"--Identity:Keystone:Password={Env("KURA_TEST_KEYSTONE_SERVICE_PASSWORD")}",
        $"--Identity:Keystone:ProjectName={Env("KURA_TEST_KEYSTONE_SERVICE_PROJECT")}",
        $"--Identity:Keystone:TokenCacheTime={cacheTime ?? TimeSpan.FromSeconds(300)}",
    ];

    public static string Unique(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>A token for <paramref name="user"/>, scoped to the project with id <paramref name="projectId"/> (or the admin project).</summary>
    public static async Task<string> TokenAsync(string user, string password, string? projectId = null)
    {
        JsonNode scope = projectId is null
            ? new JsonObject { ["project"] = new JsonObject { ["name"] = "admin", ["domain"] = new JsonObject { ["id"] = "default" } } }
            : new JsonObject { ["project"] = new JsonObject { ["id"] = projectId } };
        var body = new JsonObject
        {
            ["auth"] = new JsonObject
            {
                ["identity"] = new JsonObject
                {
                    ["methods"] = new JsonArray("password"),
                    ["password"] = new JsonObject { ["user"] = new JsonObject { ["name"] = user, ["domain"] = new JsonObject { ["id"] = "default" }, ["password"] = password } },
                },
                ["scope"] = scope,
            },
        };
        using var response = await Http.PostAsync($"{Url}/auth/tokens?nocatalog", Content(body));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return response.Headers.GetValues("X-Subject-Token").Single();
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task<string>> RoleIds = new();

    private static readonly Lazy<Task<string>> Admin = new(() => TokenAsync("admin", Env("KURA_TEST_KEYSTONE_ADMIN_PASSWORD")));

    /// <summary>The admin's token, issued once per test run (Keystone's tokens live an hour; a run takes minutes).</summary>
    public static Task<string> AdminTokenAsync() => Admin.Value;

    /// <summary>A new project with a new user holding <paramref name="role"/> on it, and that user's token.</summary>
    public static async Task<Account> CreateAccountAsync(string name, string role = "member")
    {
        var admin = await AdminTokenAsync();
        var projectName = Unique(name);
        var project = (await CallAsync(HttpMethod.Post, "projects", admin, new JsonObject { ["project"] = new JsonObject { ["name"] = projectName, ["domain_id"] = "default" } }))!["project"]!["id"]!.GetValue<string>();
        return await AddUserAsync(project, name, role) with { ProjectName = projectName };
    }

    /// <summary>A new user of project <paramref name="projectId"/> holding <paramref name="role"/> there, and its token.</summary>
    public static async Task<Account> AddUserAsync(string projectId, string name, string role)
    {
        var admin = await AdminTokenAsync();
        var userName = Unique(name);
        var user = (await CallAsync(HttpMethod.Post, "users", admin, new JsonObject { ["user"] = new JsonObject { ["name"] = userName, ["password"] = "pw-" + userName, ["domain_id"] = "default" } }))!["user"]!["id"]!.GetValue<string>();
        var roleId = await RoleIds.GetOrAdd(role, async name => (await CallAsync(HttpMethod.Get, $"roles?name={name}", await AdminTokenAsync(), null))!["roles"]![0]!["id"]!.GetValue<string>());
        await CallAsync(HttpMethod.Put, $"projects/{projectId}/users/{user}/roles/{roleId}", admin, null);
        return new Account(projectId, user, await TokenAsync(userName, "pw-" + userName, projectId)) { UserName = userName, Password = "pw-" + userName };
    }

    public static async Task RevokeAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"{Url}/auth/tokens");
        request.Headers.Add("X-Auth-Token", await AdminTokenAsync());
        request.Headers.Add("X-Subject-Token", token);
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    /// <summary>Gives an existing user <paramref name="role"/> on another project.</summary>
    public static async Task GrantAsync(string userId, string projectId, string role)
    {
        var roleId = await RoleIds.GetOrAdd(role, async name => (await CallAsync(HttpMethod.Get, $"roles?name={name}", await AdminTokenAsync(), null))!["roles"]![0]!["id"]!.GetValue<string>());
        await CallAsync(HttpMethod.Put, $"projects/{projectId}/users/{userId}/roles/{roleId}", await AdminTokenAsync(), null);
    }

    public static async Task SetProjectEnabledAsync(string projectId, bool enabled) =>
        await CallAsync(HttpMethod.Patch, $"projects/{projectId}", await AdminTokenAsync(), new JsonObject { ["project"] = new JsonObject { ["enabled"] = enabled } });

    public static async Task<JsonNode?> CallAsync(HttpMethod method, string path, string token, JsonNode? body)
    {
        using var request = new HttpRequestMessage(method, $"{Url}/{path}") { Content = body is null ? null : Content(body) };
        request.Headers.Add("X-Auth-Token", token);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    /// <summary>A JSON body with its length: Keystone under uwsgi does not read a chunked one.</summary>
    private static StringContent Content(JsonNode body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    private static string Env(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: start a Keystone with `scripts/keystone.sh start` and export what it prints, or run scripts/test.sh.");
}
