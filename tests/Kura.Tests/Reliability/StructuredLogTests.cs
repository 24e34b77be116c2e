namespace Kura.Tests.Reliability;

/// <summary>
/// Structured logs (<c>Logging:Console:FormatterName=json</c>, one JSON object per line): every line a request
/// causes carries its request id, and no line carries a token or a password.
/// </summary>
public sealed class StructuredLogTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("kura-logs-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task Every_line_of_a_request_is_json_with_its_request_id_and_no_secret()
    {
        using var kura = await KuraProcess.StartAsync(_data, null, "--Logging:Console:FormatterName=json", "--Logging:LogLevel:Default=Information", "--Logging:LogLevel:Microsoft.AspNetCore=Warning");
        using var http = new HttpClient { BaseAddress = new Uri(kura.Url + "/") };
        var token = await KuraProcess.AdminTokenAsync(http);
        using var failed = await http.PostAsync("identity/v3/auth/tokens", new StringContent(KuraProcess.AdminAuthBody.Replace("admin-secret-pw", "wrong-secret-pw", StringComparison.Ordinal), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);

        using var create = new HttpRequestMessage(HttpMethod.Post, "v2/images") { Content = new StringContent("""{"name": "logged"}""", Encoding.UTF8, "application/json") };
        create.Headers.Add("X-Auth-Token", token);
        create.Headers.Add("X-Openstack-Request-ID", "req-0badc0de-1111-2222-3333-444455556666");
        using var created = await http.SendAsync(create);
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        await Task.Delay(500);

        // Log entries are one JSON object per line; the only other output is the start banner (the clouds.yaml
        // entry and the listening address), printed once before the first request.
        var lines = kura.Output.ToList();
        var banner = lines.FindIndex(l => l.StartsWith("Kura is serving", StringComparison.Ordinal));
        Assert.True(banner >= 0);
        Assert.All(lines.Skip(banner + 1).Where(l => l.Length > 0), l => Assert.StartsWith("{", l, StringComparison.Ordinal));
        var parsed = lines.Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l)!).ToList();
        var ofRequest = parsed.Where(l => l.ToJsonString().Contains(id, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(ofRequest);
        Assert.All(ofRequest, l => Assert.Contains("req-0badc0de-1111-2222-3333-444455556666", l["Scopes"]!.ToJsonString(), StringComparison.Ordinal));
        Assert.Contains(parsed, l => l["Message"]!.GetValue<string>().StartsWith("Authentication failed for user", StringComparison.Ordinal) && l["Scopes"]!.ToJsonString().Contains("RequestId", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(token, StringComparison.Ordinal) || l.Contains("secret-pw", StringComparison.Ordinal));
    }
}
