namespace Kura.Tests.Api;

/// <summary>The parties of the matrix: an owner, members of its shared image in each status, a stranger, an admin.</summary>
public class MatrixFixture : IAsyncLifetime
{
    public KuraHost Host { get; private set; } = null!;

    public Dictionary<string, Account> Accounts { get; } = [];

    public string Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await StartHostAsync();
        Admin = await Host.AdminTokenAsync();
        foreach (var name in new[] { "owner", "pending", "accepted", "rejected", "stranger" })
        {
            Accounts[name] = await Host.CreateAccountAsync("matrix-" + name);
        }
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    protected virtual Task<KuraHost> StartHostAsync() => KuraHost.StartAsync();
}

/// <summary>
/// Every image endpoint against every kind of caller (reference §1.17 and §1.13): admin, the owner, a member whose
/// share is pending, accepted or rejected, another project, and no token. Each cell gets a fresh shared image with
/// data, a tag and the three memberships, so no cell depends on another. Run with Kura's own identity here and behind
/// a real Keystone (<see cref="Kura.Tests.Identity.KeystoneAuthorizationMatrixTests"/>).
/// </summary>
public abstract class AuthorizationMatrix(MatrixFixture fixture)
{
    private static readonly string[] Callers = ["admin", "owner", "pending", "accepted", "rejected", "stranger", "anonymous"];

    /// <summary>Endpoint → expected status per caller, in the order of <see cref="Callers"/>.</summary>
    private static readonly Dictionary<string, int[]> Expected = new()
    {
        ["show"] = [200, 200, 200, 200, 200, 404, 401],
        ["download"] = [200, 200, 200, 200, 200, 404, 401],
        ["patch"] = [200, 200, 403, 403, 403, 404, 401],
        ["delete"] = [204, 204, 403, 403, 403, 404, 401],
        ["upload"] = [204, 204, 403, 403, 403, 404, 401],
        ["add-tag"] = [204, 204, 403, 403, 403, 404, 401],
        ["remove-tag"] = [204, 204, 403, 403, 403, 404, 401],
        ["deactivate"] = [204, 204, 403, 403, 403, 404, 401],
        ["reactivate"] = [204, 204, 403, 403, 403, 404, 401],
        ["list-members"] = [200, 200, 200, 200, 200, 404, 401],
        ["add-member"] = [200, 200, 403, 403, 403, 404, 401],
        ["show-pending-member"] = [200, 200, 200, 404, 404, 404, 401],
        ["accept-pending-member"] = [200, 403, 200, 404, 404, 404, 401],
        ["remove-pending-member"] = [204, 204, 403, 403, 403, 404, 401],
    };

    public static TheoryData<string, string> Cells()
    {
        var data = new TheoryData<string, string>();
        foreach (var endpoint in Expected.Keys)
        {
            foreach (var caller in Callers)
            {
                data.Add(endpoint, caller);
            }
        }

        return data;
    }

    private KuraHost Kura => fixture.Host;

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Caller_gets_the_expected_status(string endpoint, string caller)
    {
        var owner = fixture.Accounts["owner"];
        var image = await SharedImageAsync(withData: endpoint != "upload");
        if (endpoint == "reactivate")
        {
            using var deactivated = await Kura.SendAsync(HttpMethod.Post, $"v2/images/{image}/actions/deactivate", owner.Token);
            Assert.Equal(HttpStatusCode.NoContent, deactivated.StatusCode);
        }

        var token = caller switch
        {
            "admin" => fixture.Admin,
            "anonymous" => null,
            _ => fixture.Accounts[caller].Token,
        };
        var pending = fixture.Accounts["pending"].ProjectId;
        using var request = endpoint switch
        {
            "show" => KuraHost.Request(HttpMethod.Get, $"v2/images/{image}", token),
            "download" => KuraHost.Request(HttpMethod.Get, $"v2/images/{image}/file", token),
            "patch" => KuraHost.Request(HttpMethod.Patch, $"v2/images/{image}", token, Patch("""[{"op": "replace", "path": "/name", "value": "changed"}]""")),
            "delete" => KuraHost.Request(HttpMethod.Delete, $"v2/images/{image}", token),
            "upload" => KuraHost.Request(HttpMethod.Put, $"v2/images/{image}/file", token, Octets([1, 2, 3])),
            "add-tag" => KuraHost.Request(HttpMethod.Put, $"v2/images/{image}/tags/new", token),
            "remove-tag" => KuraHost.Request(HttpMethod.Delete, $"v2/images/{image}/tags/existing", token),
            "deactivate" => KuraHost.Request(HttpMethod.Post, $"v2/images/{image}/actions/deactivate", token),
            "reactivate" => KuraHost.Request(HttpMethod.Post, $"v2/images/{image}/actions/reactivate", token),
            "list-members" => KuraHost.Request(HttpMethod.Get, $"v2/images/{image}/members", token),
            "add-member" => KuraHost.Request(HttpMethod.Post, $"v2/images/{image}/members", token, JsonBody("""{"member": "newcomer"}""")),
            "show-pending-member" => KuraHost.Request(HttpMethod.Get, $"v2/images/{image}/members/{pending}", token),
            "accept-pending-member" => KuraHost.Request(HttpMethod.Put, $"v2/images/{image}/members/{pending}", token, JsonBody("""{"status": "accepted"}""")),
            "remove-pending-member" => KuraHost.Request(HttpMethod.Delete, $"v2/images/{image}/members/{pending}", token),
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
        };
        using var response = await Kura.Http.SendAsync(request);
        var expected = Expected[endpoint][Array.IndexOf(Callers, caller)];
        Assert.True((int)response.StatusCode == expected,
            $"{endpoint} as {caller}: expected {expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");

        // A refused request changed nothing the owner can see.
        if (expected >= 400)
        {
            var after = await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{image}", owner.Token, null);
            Assert.Equal("matrix", after["name"]!.GetValue<string>());
            Assert.Equal(["existing"], after["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
            Assert.Equal(endpoint == "upload" ? "queued" : endpoint == "reactivate" ? "deactivated" : "active", after["status"]!.GetValue<string>());
            var members = await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{image}/members", owner.Token, null);
            Assert.Equal(3, members["members"]!.AsArray().Count);
            Assert.Equal("pending", members["members"]!.AsArray().Single(m => m!["member_id"]!.GetValue<string>() == pending)!["status"]!.GetValue<string>());
        }
    }

    private async Task<string> SharedImageAsync(bool withData)
    {
        var owner = fixture.Accounts["owner"];
        var id = (await Kura.CreateImageAsync(owner.Token, new JsonObject
        {
            ["name"] = "matrix",
            ["disk_format"] = "raw",
            ["container_format"] = "bare",
            ["tags"] = new JsonArray("existing"),
        }))["id"]!.GetValue<string>();
        if (withData)
        {
            using var upload = await Kura.UploadAsync(owner.Token, id, new ByteArrayContent([9, 9]));
            Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
        }

        foreach (var status in new[] { "pending", "accepted", "rejected" })
        {
            var member = fixture.Accounts[status];
            await Kura.SendJsonAsync(HttpMethod.Post, $"v2/images/{id}/members", owner.Token, new JsonObject { ["member"] = member.ProjectId });
            if (status != "pending")
            {
                await Kura.SendJsonAsync(HttpMethod.Put, $"v2/images/{id}/members/{member.ProjectId}", member.Token, new JsonObject { ["status"] = status });
            }
        }

        return id;
    }

    private static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    private static StringContent Patch(string json)
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/openstack-images-v2.1-json-patch");
        return content;
    }

    private static ByteArrayContent Octets(byte[] data)
    {
        var content = new ByteArrayContent(data);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }
}

public sealed class AuthorizationMatrixTests(MatrixFixture fixture) : AuthorizationMatrix(fixture), IClassFixture<MatrixFixture>;
