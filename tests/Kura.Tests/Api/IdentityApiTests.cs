using System.Net.Http.Json;
using Microsoft.Data.Sqlite;

namespace Kura.Tests.Api;

/// <summary>The built-in Keystone subset, as keystoneauth, the openstack CLI and Tempest use it (reference §2.2.1, PART 4).</summary>
public sealed class IdentityApiTests(KuraHostFixture fixture) : IClassFixture<KuraHostFixture>
{
    private KuraHost Kura => fixture.Host;

    [Fact]
    public async Task Discovery_documents_are_served_as_keystone_does()
    {
        using var root = await Kura.SendAsync(HttpMethod.Get, "identity", null);
        Assert.Equal(HttpStatusCode.MultipleChoices, root.StatusCode);
        var values = (await KuraHost.ReadJsonAsync(root))["versions"]!["values"]!.AsArray();
        Assert.Equal("v3.14", values[0]!["id"]!.GetValue<string>());

        using var v3 = await Kura.SendAsync(HttpMethod.Get, "identity/v3", null);
        var version = (await KuraHost.ReadJsonAsync(v3))["version"]!;
        Assert.Equal("stable", version["status"]!.GetValue<string>());
        Assert.Equal(Kura.BaseUrl + "/identity/v3/", version["links"]![0]!["href"]!.GetValue<string>());
        Assert.Equal("application/vnd.openstack.identity-v3+json", version["media-types"]![0]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Password_token_has_keystone_body_catalog_and_subject_header()
    {
        var (token, body) = await Kura.IssueTokenAsync("admin", KuraHost.AdminPassword, "admin");
        Assert.True(token.Length >= 40);
        var t = body["token"]!;
        Assert.Equal(["password"], t["methods"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal("admin", t["user"]!["name"]!.GetValue<string>());
        Assert.Equal("default", t["user"]!["domain"]!["id"]!.GetValue<string>());
        Assert.Equal("Default", t["project"]!["domain"]!["name"]!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", t["expires_at"]!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", t["issued_at"]!.GetValue<string>());
        var lifetime = DateTimeOffset.Parse(t["expires_at"]!.GetValue<string>()) - DateTimeOffset.Parse(t["issued_at"]!.GetValue<string>());
        Assert.Equal(TimeSpan.FromHours(1), lifetime);
        Assert.Contains(t["roles"]!.AsArray(), r => r!["name"]!.GetValue<string>() == "admin");
        Assert.Single(t["audit_ids"]!.AsArray());

        var catalog = t["catalog"]!.AsArray();
        var image = catalog.Single(s => s!["type"]!.GetValue<string>() == "image")!;
        var identity = catalog.Single(s => s!["type"]!.GetValue<string>() == "identity")!;
        Assert.Equal(Kura.BaseUrl + "/identity/v3", identity["endpoints"]![0]!["url"]!.GetValue<string>());
        foreach (var endpoint in image["endpoints"]!.AsArray())
        {
            Assert.Equal(Kura.BaseUrl, endpoint!["url"]!.GetValue<string>());
            Assert.Equal("RegionOne", endpoint["region"]!.GetValue<string>());
            Assert.Equal("RegionOne", endpoint["region_id"]!.GetValue<string>());
            Assert.NotNull(endpoint["interface"]);
        }

        Assert.Contains(image["endpoints"]!.AsArray(), e => e!["interface"]!.GetValue<string>() == "public");
    }

    [Fact]
    public async Task User_and_project_may_be_given_by_id_and_nocatalog_omits_the_catalog()
    {
        var (_, first) = await Kura.IssueTokenAsync("admin", KuraHost.AdminPassword, "admin");
        var userId = first["token"]!["user"]!["id"]!.GetValue<string>();
        var projectId = first["token"]!["project"]!["id"]!.GetValue<string>();
        var body = new JsonObject
        {
            ["auth"] = new JsonObject
            {
                ["identity"] = new JsonObject
                {
                    ["methods"] = new JsonArray("password"),
                    ["password"] = new JsonObject { ["user"] = new JsonObject { ["id"] = userId, ["password"] = KuraHost.AdminPassword } },
                },
                ["scope"] = new JsonObject { ["project"] = new JsonObject { ["id"] = projectId } },
            },
        };
        using var response = await Kura.Http.PostAsJsonAsync("identity/v3/auth/tokens?nocatalog", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var token = (await KuraHost.ReadJsonAsync(response))["token"]!;
        Assert.Equal(projectId, token["project"]!["id"]!.GetValue<string>());
        Assert.Null(token["catalog"]);
    }

    [Fact]
    public async Task Unscoped_token_can_be_rescoped_with_the_token_method()
    {
        var account = await Kura.CreateAccountAsync("rescope");
        // This user has a default project, so an explicit unscoped request is needed for an unscoped token.
        using var unscopedResponse = await Kura.Http.PostAsJsonAsync("identity/v3/auth/tokens", new JsonObject
        {
            ["auth"] = new JsonObject
            {
                ["identity"] = new JsonObject
                {
                    ["methods"] = new JsonArray("password"),
                    ["password"] = new JsonObject { ["user"] = new JsonObject { ["id"] = account.UserId, ["password"] = "rescope-pw" } },
                },
                ["scope"] = "unscoped",
            },
        });
        Assert.Equal(HttpStatusCode.Created, unscopedResponse.StatusCode);
        var unscoped = unscopedResponse.Headers.GetValues("X-Subject-Token").Single();
        var unscopedBody = (await KuraHost.ReadJsonAsync(unscopedResponse))["token"]!;
        Assert.Null(unscopedBody["project"]);

        // An unscoped token does not open the image API.
        Assert.Equal(HttpStatusCode.Unauthorized, await Kura.StatusAsync(HttpMethod.Get, "v2/images", unscoped));

        using var rescoped = await Kura.Http.PostAsJsonAsync("identity/v3/auth/tokens", new JsonObject
        {
            ["auth"] = new JsonObject
            {
                ["identity"] = new JsonObject { ["methods"] = new JsonArray("token"), ["token"] = new JsonObject { ["id"] = unscoped } },
                ["scope"] = new JsonObject { ["project"] = new JsonObject { ["id"] = account.ProjectId } },
            },
        });
        Assert.Equal(HttpStatusCode.Created, rescoped.StatusCode);
        var body = (await KuraHost.ReadJsonAsync(rescoped))["token"]!;
        Assert.Equal(account.ProjectId, body["project"]!["id"]!.GetValue<string>());
        Assert.Contains("token", body["methods"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(unscopedBody["audit_ids"]![0]!.GetValue<string>(), body["audit_ids"]![1]!.GetValue<string>());
        Assert.Equal(unscopedBody["expires_at"]!.GetValue<string>(), body["expires_at"]!.GetValue<string>());
    }

    [Fact]
    public async Task Wrong_password_unknown_user_and_foreign_project_are_401_in_keystone_shape()
    {
        var account = await Kura.CreateAccountAsync("stranger");
        var attempts = new[]
        {
            ("admin", "wrong", "admin"),
            ("nobody", "whatever", "admin"),
            ("stranger", "stranger-pw", "admin"),
            ("stranger", "stranger-pw", "no-such-project"),
        };
        foreach (var (user, password, project) in attempts)
        {
            using var response = await Kura.Http.PostAsJsonAsync("identity/v3/auth/tokens", new JsonObject
            {
                ["auth"] = new JsonObject
                {
                    ["identity"] = new JsonObject
                    {
                        ["methods"] = new JsonArray("password"),
                        ["password"] = new JsonObject { ["user"] = new JsonObject { ["name"] = user, ["domain"] = new JsonObject { ["id"] = "default" }, ["password"] = password } },
                    },
                    ["scope"] = new JsonObject { ["project"] = new JsonObject { ["name"] = project, ["domain"] = new JsonObject { ["id"] = "default" } } },
                },
            });
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            var error = (await KuraHost.ReadJsonAsync(response))["error"]!;
            Assert.Equal(401, error["code"]!.GetValue<int>());
            Assert.Equal("Unauthorized", error["title"]!.GetValue<string>());
            Assert.Equal("The request you have made requires authentication.", error["message"]!.GetValue<string>());
        }

        Assert.NotNull(account.Token);
    }

    [Fact]
    public async Task Malformed_auth_requests_are_400_not_500()
    {
        foreach (var body in new[] { "{", "{}", "{\"auth\": {}}", "{\"auth\": {\"identity\": {\"methods\": \"password\"}}}", "{\"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": {\"user\": {\"name\": 5}}}}}" })
        {
            using var response = await Kura.Http.PostAsync("identity/v3/auth/tokens", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(400, (await KuraHost.ReadJsonAsync(response))["error"]!["code"]!.GetValue<int>());
        }
    }

    [Fact]
    public async Task Validate_check_and_revoke_a_token()
    {
        var admin = await Kura.AdminTokenAsync();
        var account = await Kura.CreateAccountAsync("validated");

        using var validate = KuraHost.Request(HttpMethod.Get, "identity/v3/auth/tokens", admin);
        validate.Headers.Add("X-Subject-Token", account.Token);
        using var validated = await Kura.Http.SendAsync(validate);
        Assert.Equal(HttpStatusCode.OK, validated.StatusCode);
        Assert.Equal(account.ProjectId, (await KuraHost.ReadJsonAsync(validated))["token"]!["project"]!["id"]!.GetValue<string>());

        using var check = KuraHost.Request(HttpMethod.Head, "identity/v3/auth/tokens", account.Token);
        check.Headers.Add("X-Subject-Token", account.Token);
        using var checkedResponse = await Kura.Http.SendAsync(check);
        Assert.Equal(HttpStatusCode.OK, checkedResponse.StatusCode);

        // A member may not inspect another user's token.
        using var foreign = KuraHost.Request(HttpMethod.Get, "identity/v3/auth/tokens", account.Token);
        foreign.Headers.Add("X-Subject-Token", admin);
        using var foreignResponse = await Kura.Http.SendAsync(foreign);
        Assert.Equal(HttpStatusCode.Forbidden, foreignResponse.StatusCode);

        using var revoke = KuraHost.Request(HttpMethod.Delete, "identity/v3/auth/tokens", admin);
        revoke.Headers.Add("X-Subject-Token", account.Token);
        using var revoked = await Kura.Http.SendAsync(revoke);
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await Kura.StatusAsync(HttpMethod.Get, "v2/images", account.Token));

        using var again = KuraHost.Request(HttpMethod.Get, "identity/v3/auth/tokens", admin);
        again.Headers.Add("X-Subject-Token", account.Token);
        using var gone = await Kura.Http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Keystone_v2_tokens_by_tenant_name_and_id()
    {
        var account = await Kura.CreateAccountAsync("nhnuser");
        foreach (var tenant in new JsonObject[] { new() { ["tenantName"] = "nhnuser" }, new() { ["tenantId"] = account.ProjectId } })
        {
            var auth = new JsonObject { ["passwordCredentials"] = new JsonObject { ["username"] = "nhnuser", ["password"] = "nhnuser-pw" } };
            foreach (var (k, v) in tenant)
            {
                auth[k] = v!.DeepClone();
            }

            using var response = await Kura.Http.PostAsJsonAsync("identity/v2.0/tokens", new JsonObject { ["auth"] = auth });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var access = (await KuraHost.ReadJsonAsync(response))["access"]!;
            Assert.Equal(account.ProjectId, access["token"]!["tenant"]!["id"]!.GetValue<string>());
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", access["token"]!["expires"]!.GetValue<string>());
            Assert.Contains(access["serviceCatalog"]!.AsArray(), s => s!["type"]!.GetValue<string>() == "image");
            Assert.Equal("nhnuser", access["user"]!["name"]!.GetValue<string>());

            // The v2.0 token works on the image API.
            Assert.Equal(HttpStatusCode.OK, await Kura.StatusAsync(HttpMethod.Get, "v2/images", access["token"]!["id"]!.GetValue<string>()));
        }

        using var bad = await Kura.Http.PostAsJsonAsync("identity/v2.0/tokens", new JsonObject
        {
            ["auth"] = new JsonObject { ["passwordCredentials"] = new JsonObject { ["username"] = "nhnuser", ["password"] = "wrong" }, ["tenantName"] = "nhnuser" },
        });
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
    }

    [Fact]
    public async Task Only_admins_manage_identity()
    {
        var member = await Kura.CreateAccountAsync("plainmember");
        var admin = await Kura.AdminTokenAsync();
        var calls = new (HttpMethod Method, string Path, string? Body)[]
        {
            (HttpMethod.Get, "identity/v3/projects", null),
            (HttpMethod.Post, "identity/v3/projects", "{\"project\": {\"name\": \"x\"}}"),
            (HttpMethod.Delete, $"identity/v3/projects/{member.ProjectId}", null),
            (HttpMethod.Get, "identity/v3/users", null),
            (HttpMethod.Post, "identity/v3/users", "{\"user\": {\"name\": \"x\"}}"),
            (HttpMethod.Patch, $"identity/v3/users/{member.UserId}", "{\"user\": {\"password\": \"x\"}}"),
            (HttpMethod.Get, "identity/v3/roles", null),
            (HttpMethod.Get, "identity/v3/role_assignments", null),
            (HttpMethod.Put, $"identity/v3/projects/{member.ProjectId}/users/{member.UserId}/roles/whatever", null),
        };
        foreach (var (method, path, body) in calls)
        {
            using var asMember = await Kura.SendAsync(method, path, member.Token, body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(asMember.StatusCode == HttpStatusCode.Forbidden, $"{method} {path} as member: {(int)asMember.StatusCode}");
            Assert.Equal(403, (await KuraHost.ReadJsonAsync(asMember))["error"]!["code"]!.GetValue<int>());

            Assert.Equal(HttpStatusCode.Unauthorized, await Kura.StatusAsync(method, path, null, body is null ? null : new StringContent(body, Encoding.UTF8, "application/json")));
        }

        // A user may read their own record.
        Assert.Equal(HttpStatusCode.OK, await Kura.StatusAsync(HttpMethod.Get, $"identity/v3/users/{member.UserId}", member.Token));
        Assert.Equal(HttpStatusCode.OK, await Kura.StatusAsync(HttpMethod.Get, $"identity/v3/users/{member.UserId}", admin));
    }

    [Fact]
    public async Task Project_user_role_lifecycle_through_the_admin_api()
    {
        var admin = await Kura.AdminTokenAsync();
        var project = await Kura.SendJsonAsync(HttpMethod.Post, "identity/v3/projects", admin, new JsonObject { ["project"] = new JsonObject { ["name"] = "lifecycle", ["description"] = "d" } });
        var projectId = project["project"]!["id"]!.GetValue<string>();
        Assert.Equal("default", project["project"]!["domain_id"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.Conflict, await Kura.StatusAsync(HttpMethod.Post, "identity/v3/projects", admin, new StringContent("{\"project\": {\"name\": \"lifecycle\"}}", Encoding.UTF8, "application/json")));

        var byName = await Kura.SendJsonAsync(HttpMethod.Get, "identity/v3/projects?name=lifecycle", admin, null);
        Assert.Equal(projectId, byName["projects"]![0]!["id"]!.GetValue<string>());

        var user = await Kura.SendJsonAsync(HttpMethod.Post, "identity/v3/users", admin, new JsonObject { ["user"] = new JsonObject { ["name"] = "lifecycle", ["password"] = "pw1" } });
        var userId = user["user"]!["id"]!.GetValue<string>();
        Assert.Null(user["user"]!["password"]);
        Assert.Null(user["user"]!["password_hash"]);

        var reader = (await Kura.SendJsonAsync(HttpMethod.Get, "identity/v3/roles?name=reader", admin, null))["roles"]![0]!["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.NoContent, await Kura.StatusAsync(HttpMethod.Put, $"identity/v3/projects/{projectId}/users/{userId}/roles/{reader}", admin));

        var assignments = await Kura.SendJsonAsync(HttpMethod.Get, $"identity/v3/role_assignments?user.id={userId}&include_names=True", admin, null);
        var assignment = assignments["role_assignments"]!.AsArray().Single()!;
        Assert.Equal("reader", assignment["role"]!["name"]!.GetValue<string>());
        Assert.Equal("lifecycle", assignment["scope"]!["project"]!["name"]!.GetValue<string>());

        var (token, body) = await Kura.IssueTokenAsync("lifecycle", "pw1", "lifecycle");
        Assert.Equal("reader", body["token"]!["roles"]![0]!["name"]!.GetValue<string>());

        // A new password revokes the user's tokens.
        await Kura.SendJsonAsync(HttpMethod.Patch, $"identity/v3/users/{userId}", admin, new JsonObject { ["user"] = new JsonObject { ["password"] = "pw2" } });
        Assert.Equal(HttpStatusCode.Unauthorized, await Kura.StatusAsync(HttpMethod.Get, "v2/images", token));

        var (token2, _) = await Kura.IssueTokenAsync("lifecycle", "pw2", "lifecycle");

        // Removing the only role ends the token's access at once.
        Assert.Equal(HttpStatusCode.NoContent, await Kura.StatusAsync(HttpMethod.Delete, $"identity/v3/projects/{projectId}/users/{userId}/roles/{reader}", admin));

        Assert.Equal(HttpStatusCode.Unauthorized, await Kura.StatusAsync(HttpMethod.Get, "v2/images", token2));

        Assert.Equal(HttpStatusCode.NoContent, await Kura.StatusAsync(HttpMethod.Delete, $"identity/v3/users/{userId}", admin));

        Assert.Equal(HttpStatusCode.NoContent, await Kura.StatusAsync(HttpMethod.Delete, $"identity/v3/projects/{projectId}", admin));

        using var missing = await Kura.SendAsync(HttpMethod.Get, $"identity/v3/projects/{projectId}", admin);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal($"Could not find project: {projectId}.", (await KuraHost.ReadJsonAsync(missing))["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tokens_and_passwords_are_stored_only_as_digests()
    {
        var (token, _) = await Kura.IssueTokenAsync("admin", KuraHost.AdminPassword, "admin");
        var all = await StoredTextAsync();
        Assert.DoesNotContain(token, all);
        Assert.DoesNotContain(KuraHost.AdminPassword, all);
        Assert.Contains(global::Kura.Identity.IdentityService.Digest(token), all);
        Assert.Contains("pbkdf2-sha512$", all);
    }

    /// <summary>Everything the identity tables hold, as the database keeps it: the SQLite file and its log, or every PostgreSQL row as text.</summary>
    private async Task<string> StoredTextAsync()
    {
        if (Kura.PostgresDatabase is null)
        {
            SqliteConnection.ClearAllPools();
            var bytes = await File.ReadAllBytesAsync(Path.Combine(Kura.DataDirectory, "kura.db"));
            var wal = Path.Combine(Kura.DataDirectory, "kura.db-wal");
            return Encoding.Latin1.GetString(bytes) + (File.Exists(wal) ? Encoding.Latin1.GetString(await File.ReadAllBytesAsync(wal)) : string.Empty);
        }

        var connectionString = new Npgsql.NpgsqlConnectionStringBuilder(PostgresServer.AdminConnectionString) { Database = Kura.PostgresDatabase }.ConnectionString;
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var dump = new Npgsql.NpgsqlCommand("SELECT string_agg(row_text, ' ') FROM (SELECT t::text AS row_text FROM tokens t UNION ALL SELECT u::text FROM users u) rows", connection);
        return (string)(await dump.ExecuteScalarAsync())!;
    }
}
