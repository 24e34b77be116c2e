using Kura.Tests.Providers;
using Microsoft.Data.Sqlite;

namespace Kura.Tests.Reliability;

/// <summary>
/// Every token-protected endpoint of every dialect, called with a missing, a garbage, a revoked and an expired token:
/// each is refused in its dialect's shape (401, or NHN's envelope) and changes nothing. The role matrices
/// (AuthorizationMatrixTests, ProviderRolesTests) cover what valid tokens of each role may do.
/// </summary>
public sealed class TokenStateMatrixTests
{
    [Theory]
    [InlineData("Nhn")]
    [InlineData("Conoha")]
    public async Task Missing_garbage_revoked_and_expired_tokens_are_refused_everywhere_and_change_nothing(string preset)
    {
        await using var kura = await KuraHost.StartAsync(null, $"--Policy:Preset={preset}", "--Identity:TokenCacheTime=00:00:00");
        var admin = await kura.AdminTokenAsync();
        var image = (await kura.CreateImageAsync(admin, new JsonObject { ["name"] = "held", ["os_type"] = "linux", ["disk_format"] = "raw", ["container_format"] = "bare" }))["id"]!.GetValue<string>();
        var revoked = await kura.AdminTokenAsync();
        using (var revoke = new HttpRequestMessage(HttpMethod.Delete, "identity/v3/auth/tokens"))
        {
            revoke.Headers.Add("X-Auth-Token", admin);
            revoke.Headers.Add("X-Subject-Token", revoked);
            Assert.Equal(HttpStatusCode.NoContent, (await kura.Http.SendAsync(revoke)).StatusCode);
        }

        var expired = await kura.AdminTokenAsync();
        await ExpireAsync(kura, expired);
        var before = await SnapshotAsync(kura, admin);
        var appkey = preset == "Nhn" ? await NhnFixture.AppkeyAsync(kura, (await kura.SendJsonAsync(HttpMethod.Get, "identity/v3/projects?name=admin", admin, null))["projects"]![0]!["id"]!.GetValue<string>()) : null;

        var cells = 0;
        foreach (var (label, token) in new (string, string?)[] { ("missing", null), ("garbage", "gAAAA-not-a-token"), ("revoked", revoked), ("expired", expired) })
        {
            foreach (var (method, path, body, contentType) in Endpoints(image, appkey))
            {
                cells++;
                using var request = new HttpRequestMessage(method, path);
                request.Headers.Accept.ParseAdd("application/json");
                if (token is not null)
                {
                    request.Headers.Add("X-Auth-Token", token);
                }

                if (body is not null)
                {
                    request.Content = new StringContent(body, Encoding.UTF8);
                    request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
                }

                using var response = await kura.Http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                var where = $"{label} token: {method} {path} → {(int)response.StatusCode} {text}";
                if (path.Contains("/appkeys/", StringComparison.Ordinal))
                {
                    Assert.True(response.StatusCode == HttpStatusCode.OK, where);
                    Assert.False(JsonNode.Parse(text)!["header"]!["isSuccessful"]!.GetValue<bool>(), where);
                }
                else if (path.StartsWith("identity/", StringComparison.Ordinal))
                {
                    Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, where);
                    Assert.Equal(401, JsonNode.Parse(text)!["error"]!["code"]!.GetValue<int>());
                }
                else
                {
                    Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, where);
                    Assert.Equal("401 Unauthorized", JsonNode.Parse(text)!["code"]!.GetValue<string>());
                    Assert.StartsWith("Keystone uri=", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
                }
            }
        }

        Assert.True(cells >= 100, $"{cells} cells");
        Assert.Equal(before, await SnapshotAsync(kura, admin));
    }

    private static IEnumerable<(HttpMethod, string, string?, string)> Endpoints(string image, string? appkey)
    {
        const string json = "application/json";
        const string patch = "application/openstack-images-v2.1-json-patch";
        yield return (HttpMethod.Get, "v2/images", null, json);
        yield return (HttpMethod.Post, "v2/images", """{"name": "x", "os_type": "linux"}""", json);
        yield return (HttpMethod.Get, $"v2/images/{image}", null, json);
        yield return (HttpMethod.Patch, $"v2/images/{image}", """[{"op": "add", "path": "/name", "value": "y"}]""", patch);
        yield return (HttpMethod.Delete, $"v2/images/{image}", null, json);
        yield return (HttpMethod.Put, $"v2/images/{image}/file", "data", "application/octet-stream");
        yield return (HttpMethod.Get, $"v2/images/{image}/file", null, json);
        yield return (HttpMethod.Put, $"v2/images/{image}/stage", "data", "application/octet-stream");
        yield return (HttpMethod.Post, $"v2/images/{image}/import", """{"method": {"name": "glance-direct"}}""", json);
        yield return (HttpMethod.Get, $"v2/images/{image}/tasks", null, json);
        yield return (HttpMethod.Get, $"v2/images/{image}/members", null, json);
        yield return (HttpMethod.Post, $"v2/images/{image}/members", """{"member": "p2"}""", json);
        yield return (HttpMethod.Get, $"v2/images/{image}/members/p2", null, json);
        yield return (HttpMethod.Put, $"v2/images/{image}/members/p2", """{"status": "accepted"}""", json);
        yield return (HttpMethod.Delete, $"v2/images/{image}/members/p2", null, json);
        yield return (HttpMethod.Put, $"v2/images/{image}/tags/t", null, json);
        yield return (HttpMethod.Delete, $"v2/images/{image}/tags/t", null, json);
        yield return (HttpMethod.Post, $"v2/images/{image}/actions/deactivate", null, json);
        yield return (HttpMethod.Post, $"v2/images/{image}/actions/reactivate", null, json);
        yield return (HttpMethod.Get, "v2/schemas/image", null, json);
        yield return (HttpMethod.Get, "v2/info/import", null, json);
        yield return (HttpMethod.Get, "v2/info/usage", null, json);
        yield return (HttpMethod.Get, "v2/metadefs/namespaces", null, json);
        yield return (HttpMethod.Post, "v2/metadefs/namespaces", """{"namespace": "n"}""", json);
        yield return (HttpMethod.Get, "identity/v3/projects", null, json);
        yield return (HttpMethod.Post, "identity/v3/projects", """{"project": {"name": "p"}}""", json);
        yield return (HttpMethod.Get, "identity/v3/users", null, json);
        yield return (HttpMethod.Get, "identity/v3/roles", null, json);
        if (appkey is not null)
        {
            yield return (HttpMethod.Get, $"v1.0/appkeys/{appkey}/images", null, json);
            yield return (HttpMethod.Delete, $"v1.0/appkeys/{appkey}/images?id={image}", null, json);
            yield return (HttpMethod.Get, $"compute/v1.0/appkeys/{appkey}/images?limit=5", null, json);
            yield return (HttpMethod.Delete, $"compute/v1.0/appkeys/{appkey}/images?id={image}", null, json);
        }
        else
        {
            yield return (HttpMethod.Get, "v2/quota", null, json);
            yield return (HttpMethod.Put, "v2/quota", """{"quota": {"image_size": "550GB"}}""", json);
            yield return (HttpMethod.Get, "v2/images/total", null, json);
        }
    }

    /// <summary>Moves a token's expiry into the past, in the database (tokens are stored as SHA-256 digests).</summary>
    private static async Task ExpireAsync(KuraHost kura, string token)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(kura.DataDirectory, "kura.db")}");
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "UPDATE tokens SET expires_at = 1 WHERE digest = $d";
        cmd.Parameters.AddWithValue("$d", global::Kura.Identity.IdentityService.Digest(token));
        Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
    }

    private static async Task<string> SnapshotAsync(KuraHost kura, string admin)
    {
        var text = new StringBuilder((await kura.SendJsonAsync(HttpMethod.Get, "v2/images", admin, null)).ToJsonString());
        text.Append((await kura.SendJsonAsync(HttpMethod.Get, "identity/v3/projects", admin, null)).ToJsonString());
        text.Append((await kura.SendJsonAsync(HttpMethod.Get, "v2/metadefs/namespaces", admin, null))["namespaces"]!.ToJsonString());
        return text.ToString();
    }
}
