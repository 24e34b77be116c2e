using System.Net.Http.Json;

namespace Kura.Tests.Cluster;

/// <summary>
/// Several Kura nodes on one PostgreSQL database and one shared data directory, as behind a load balancer. Each
/// test starts its own nodes on a fresh database; node A is sometimes a separate process, so that it can be
/// killed with SIGKILL.
/// </summary>
public sealed class MultiNodeTests : IAsyncLifetime
{
    /// <summary>Short beats, so that a dead node's lease runs out within the test.</summary>
    private static readonly string[] FastCluster = ["--Cluster:HeartbeatInterval=00:00:00.300", "--Cluster:LeaseTime=00:00:02"];

    private readonly string _data = Directory.CreateTempSubdirectory("kura-cluster-").FullName;
    private readonly List<IAsyncDisposable> _nodes = [];
    private string _database = null!;
    private string _connectionString = null!;

    public async Task InitializeAsync() => (_database, _connectionString) = await PostgresServer.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await PostgresServer.DropDatabaseAsync(_database);
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<KuraHost> NodeAsync(params string[] args)
    {
        var node = await KuraHost.StartNodeAsync(_data, _connectionString, args);
        _nodes.Add(node);
        return node;
    }

    [Fact]
    public async Task A_token_from_one_node_works_on_the_other_and_its_revocation_reaches_both_at_once()
    {
        // A validation cache of five minutes on both nodes: only the change notification can make B forget.
        var a = await NodeAsync("--Identity:TokenCacheTime=00:05:00");
        var b = await NodeAsync("--Identity:TokenCacheTime=00:05:00");
        var admin = await a.AdminTokenAsync();
        var (user, _) = await a.IssueTokenAsync("admin", KuraHost.AdminPassword, "admin");

        using (var ok = await b.SendAsync(HttpMethod.Get, "v2/images", user, null))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using (var revoke = new HttpRequestMessage(HttpMethod.Delete, "identity/v3/auth/tokens"))
        {
            revoke.Headers.Add("X-Auth-Token", admin);
            revoke.Headers.Add("X-Subject-Token", user);
            using var revoked = await a.Http.SendAsync(revoke);
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        Assert.True(await SoonAsync(b, user, HttpStatusCode.Unauthorized), "node B still accepted a token revoked on node A after 2.5 s");
        using var onA = await a.SendAsync(HttpMethod.Get, "v2/images", user, null);
        Assert.Equal(HttpStatusCode.Unauthorized, onA.StatusCode);
    }

    /// <summary>Node <paramref name="b"/> answers <paramref name="expected"/> for <paramref name="token"/> within 2.5 s.</summary>
    private static async Task<bool> SoonAsync(KuraHost b, string? token, HttpStatusCode expected)
    {
        for (var i = 0; i < 50; i++)
        {
            if (await b.StatusAsync(HttpMethod.Get, "v2/images", token) == expected)
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    [Fact]
    public async Task Leaving_a_group_a_deleted_application_credential_and_a_password_change_reach_the_other_nodes_token_cache_at_once()
    {
        // Five minutes of token cache on both nodes: only the change notification can make B forget.
        var a = await NodeAsync("--Identity:TokenCacheTime=00:05:00");
        var b = await NodeAsync("--Identity:TokenCacheTime=00:05:00");
        var admin = await a.AdminTokenAsync();
        var team = await a.CreateAccountAsync("team");
        var user = await a.SendJsonAsync(HttpMethod.Post, "identity/v3/users", admin, new JsonObject { ["user"] = new JsonObject { ["name"] = "grouped", ["password"] = "grouped-pw" } });
        var userId = user["user"]!["id"]!.GetValue<string>();
        var group = await a.SendJsonAsync(HttpMethod.Post, "identity/v3/groups", admin, new JsonObject { ["group"] = new JsonObject { ["name"] = "ops" } });
        var groupId = group["group"]!["id"]!.GetValue<string>();
        var memberRole = (await a.SendJsonAsync(HttpMethod.Get, "identity/v3/roles?name=member", admin, null))["roles"]![0]!["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.NoContent, await a.StatusAsync(HttpMethod.Put, $"identity/v3/groups/{groupId}/users/{userId}", admin));
        Assert.Equal(HttpStatusCode.NoContent, await a.StatusAsync(HttpMethod.Put, $"identity/v3/projects/{team.ProjectId}/groups/{groupId}/roles/{memberRole}", admin));
        var (token, _) = await a.IssueTokenAsync("grouped", "grouped-pw", "team");
        Assert.Equal(HttpStatusCode.OK, await b.StatusAsync(HttpMethod.Get, "v2/images", token));
        Assert.Equal(HttpStatusCode.NoContent, await a.StatusAsync(HttpMethod.Delete, $"identity/v3/groups/{groupId}/users/{userId}", admin));
        Assert.True(await SoonAsync(b, token, HttpStatusCode.Unauthorized), "node B still accepted the token of a user who left the group on node A");

        // An application credential deleted through A: B refuses its token at once.
        var credential = await a.SendJsonAsync(HttpMethod.Post, $"identity/v3/users/{team.UserId}/application_credentials", team.Token,
            new JsonObject { ["application_credential"] = new JsonObject { ["name"] = "ci" } });
        var (credentialId, secret) = (credential["application_credential"]!["id"]!.GetValue<string>(), credential["application_credential"]!["secret"]!.GetValue<string>());
        using var issued = await b.Http.PostAsJsonAsync("identity/v3/auth/tokens", new JsonObject
        {
            ["auth"] = new JsonObject
            {
                ["identity"] = new JsonObject
                {
                    ["methods"] = new JsonArray("application_credential"),
                    ["application_credential"] = new JsonObject { ["id"] = credentialId, ["secret"] = secret },
                },
            },
        });
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        var credentialToken = issued.Headers.GetValues("X-Subject-Token").Single();
        Assert.Equal(HttpStatusCode.OK, await b.StatusAsync(HttpMethod.Get, "v2/images", credentialToken));
        Assert.Equal(HttpStatusCode.NoContent, await a.StatusAsync(HttpMethod.Delete, $"identity/v3/users/{team.UserId}/application_credentials/{credentialId}", team.Token));
        Assert.True(await SoonAsync(b, credentialToken, HttpStatusCode.Unauthorized), "node B still accepted a deleted application credential's token");

        // A password changed through A: B refuses the user's earlier token at once.
        Assert.Equal(HttpStatusCode.OK, await b.StatusAsync(HttpMethod.Get, "v2/images", team.Token));
        using var change = await a.Http.PostAsJsonAsync($"identity/v3/users/{team.UserId}/password",
            new JsonObject { ["user"] = new JsonObject { ["original_password"] = "team-pw", ["password"] = "team-pw2" } });
        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        Assert.True(await SoonAsync(b, team.Token, HttpStatusCode.Unauthorized), "node B still accepted a token revoked by a password change on node A");
    }

    [Fact]
    public async Task An_image_created_and_uploaded_through_one_node_is_listed_and_downloaded_through_the_other()
    {
        var a = await NodeAsync();
        var b = await NodeAsync();
        var token = await a.AdminTokenAsync();
        var id = (await a.CreateImageAsync(token, new JsonObject { ["name"] = "shared", ["disk_format"] = "raw", ["container_format"] = "bare" }))["id"]!.GetValue<string>();
        var data = RandomNumberGenerator.GetBytes(3 << 20);
        using (var upload = await a.UploadAsync(token, id, new ByteArrayContent(data)))
        {
            Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
        }

        var list = await b.SendJsonAsync(HttpMethod.Get, "v2/images?name=shared", token, null);
        var listed = Assert.Single(list["images"]!.AsArray());
        Assert.Equal(id, listed!["id"]!.GetValue<string>());
        Assert.Equal("active", listed["status"]!.GetValue<string>());
        using var download = await b.SendAsync(HttpMethod.Get, $"v2/images/{id}/file", token, null);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(data, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(data)), download.Content.Headers.GetValues("Content-MD5").Single());
    }

    [Fact]
    public async Task Concurrent_patches_through_both_nodes_lose_no_acknowledged_update()
    {
        var nodes = new[] { await NodeAsync(), await NodeAsync() };
        var token = await nodes[0].AdminTokenAsync();
        var id = (await nodes[0].CreateImageAsync(token))["id"]!.GetValue<string>();
        const int writers = 24;
        var statuses = await Task.WhenAll(Enumerable.Range(0, writers).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Patch, $"v2/images/{id}")
            {
                Content = new StringContent($$"""[{"op": "add", "path": "/p{{i}}", "value": "{{i}}"}]"""),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/openstack-images-v2.1-json-patch");
            request.Headers.Add("X-Auth-Token", token);
            using var response = await nodes[i % 2].Http.SendAsync(request);
            return response.StatusCode;
        }));

        var image = await nodes[1].SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.Conflict, s.ToString()));
        for (var i = 0; i < writers; i++)
        {
            Assert.Equal(statuses[i] == HttpStatusCode.OK, image[$"p{i}"] is not null);
        }

        Assert.True(statuses.Count(s => s == HttpStatusCode.OK) >= writers / 2, "most concurrent patches should succeed after retries");
    }

    [Fact]
    public async Task Concurrent_uploads_of_one_image_through_both_nodes_have_one_winner_and_leave_no_stray_data()
    {
        var a = await NodeAsync();
        var b = await NodeAsync();
        var token = await a.AdminTokenAsync();
        for (var round = 0; round < 3; round++)
        {
            var id = (await a.CreateImageAsync(token))["id"]!.GetValue<string>();
            var payloads = new[] { RandomNumberGenerator.GetBytes(2 << 20), RandomNumberGenerator.GetBytes(2 << 20) };
            var results = await Task.WhenAll(new[] { a, b }.Select(async (node, i) =>
            {
                using var response = await node.UploadAsync(token, id, new ByteArrayContent(payloads[i]));
                return response.StatusCode;
            }));

            var winner = Assert.Single(Enumerable.Range(0, 2), i => results[i] == HttpStatusCode.NoContent);
            Assert.Equal(HttpStatusCode.Conflict, results[1 - winner]);
            using var download = await b.SendAsync(HttpMethod.Get, $"v2/images/{id}/file", token, null);
            Assert.Equal(payloads[winner], await download.Content.ReadAsByteArrayAsync());
        }

        // Exactly one data file per active image, and no temporary file left.
        Assert.Equal(3, Directory.GetFiles(Path.Combine(_data, "blobs", "images")).Length);
        Assert.Empty(Directory.GetFiles(Path.Combine(_data, "blobs", "tmp")));
    }

    [Fact]
    public async Task Recovery_leaves_a_live_nodes_upload_alone_and_undoes_a_killed_nodes_once_its_lease_runs_out()
    {
        using var a = await KuraProcess.StartAsync(_data, null, [.. KuraHost.DatabaseArgs(_connectionString), .. FastCluster]);
        using var http = new HttpClient { BaseAddress = new Uri(a.Url + "/") };
        var b = await NodeAsync(FastCluster);
        var token = await b.AdminTokenAsync();
        var id = (await b.CreateImageAsync(token))["id"]!.GetValue<string>();

        // Node A receives the first 4 MiB of a 64 MiB upload and keeps waiting for the rest.
        using var client = await KuraHost.StartRawUploadAsync(a.Url, token, id, 64 << 20, 4 << 20);
        await b.WaitForStatusAsync(token, id, "saving");

        // A third node starting now, and B's passes meanwhile, must not touch A's upload: A is alive.
        var c = await NodeAsync(FastCluster);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal("saving", await StatusAsync(c, token, id));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_data, "blobs", "tmp")));

        // Kill A: once its lease has run out, one of the live nodes puts the image back and removes the part file.
        await a.KillAsync();
        await b.WaitForStatusAsync(token, id, "queued", TimeSpan.FromSeconds(15));
        for (var i = 0; i < 100 && Directory.GetFiles(Path.Combine(_data, "blobs", "tmp")).Length > 0; i++)
        {
            await Task.Delay(100);
        }

        Assert.Empty(Directory.GetFiles(Path.Combine(_data, "blobs", "tmp")));
        using var retry = await c.UploadAsync(token, id, new ByteArrayContent([1, 2, 3]));
        Assert.Equal(HttpStatusCode.NoContent, retry.StatusCode);
    }

    private static async Task<string> StatusAsync(KuraHost node, string token, string id) =>
        (await node.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null))["status"]!.GetValue<string>();
}
