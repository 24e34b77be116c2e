namespace Kura.Tests.Providers;

/// <summary>A Kura with the Nhn preset and two projects, alpha and beta, each with a member user.</summary>
public sealed class NhnFixture : IAsyncLifetime
{
    public KuraHost Host { get; private set; } = null!;

    public Account Alpha { get; private set; } = null!;

    public Account Beta { get; private set; } = null!;

    public string AlphaKey { get; private set; } = null!;

    public string BetaKey { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await KuraHost.StartAsync(null, "--Policy:Preset=Nhn");
        Alpha = await Host.CreateAccountAsync("alpha");
        Beta = await Host.CreateAccountAsync("beta");
        AlphaKey = await AppkeyAsync(Host, Alpha.ProjectId);
        BetaKey = await AppkeyAsync(Host, Beta.ProjectId);
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    public static async Task<string> AppkeyAsync(KuraHost host, string projectId)
    {
        var project = await host.SendJsonAsync(HttpMethod.Get, $"identity/v3/projects/{projectId}", await host.AdminTokenAsync(), null);
        return project["project"]!["appkey"]!.GetValue<string>();
    }

    /// <summary>Calls the v1.0 API; asserts HTTP 200 and a JSON body with the header envelope, and returns the body.</summary>
    public static async Task<JsonNode> CallAsync(KuraHost host, HttpMethod method, string path, string? token = null, string? body = null)
    {
        using var response = await host.SendAsync(method, path, token,
            body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} {path} answered {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonNode.Parse(text)!;
        Assert.NotNull(json["header"]);
        return json;
    }

    /// <summary>Asserts a failure with <paramref name="code"/>; returns the result message.</summary>
    public static string AssertFailure(JsonNode body, int code)
    {
        var header = body["header"]!;
        Assert.False(header["isSuccessful"]!.GetValue<bool>(), body.ToJsonString());
        Assert.Equal(code, header["resultCode"]!.GetValue<int>());
        return header["resultMessage"]!.GetValue<string>();
    }

    /// <summary>The status line of a Glance error page: <c>code</c> of the JSON form, or the first line of the text form.</summary>
    public static async Task<string> GlanceCodeAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return response.Content.Headers.ContentType?.MediaType == "application/json"
            ? JsonNode.Parse(text)!["code"]!.GetValue<string>()
            : text.Split('\n')[0];
    }

    public static void AssertSuccess(JsonNode body)
    {
        var header = body["header"]!;
        Assert.True(header["isSuccessful"]!.GetValue<bool>(), body.ToJsonString());
        Assert.Equal(0, header["resultCode"]!.GetValue<int>());
        Assert.Equal("SUCCESS", header["resultMessage"]!.GetValue<string>());
    }

    public static string Credentials(string user, string password) =>
        new JsonObject { ["auth"] = new JsonObject { ["username"] = user, ["password"] = password } }.ToJsonString();

    /// <summary>A v1.0 token for a user of the appkey's project.</summary>
    public static async Task<string> TokenAsync(KuraHost host, string appkey, string user)
    {
        var body = await CallAsync(host, HttpMethod.Post, $"v1.0/appkeys/{appkey}/tokens", null, Credentials(user, user + "-pw"));
        AssertSuccess(body);
        return body["access"]!["token"]!["id"]!.GetValue<string>();
    }

    /// <summary>An image made through /v2 with the os_type the Nhn preset requires.</summary>
    public static async Task<string> ImageAsync(KuraHost host, string token, string name, string visibility = "private")
    {
        var image = await host.CreateImageAsync(token, new JsonObject
        {
            ["name"] = name,
            ["disk_format"] = "raw",
            ["container_format"] = "bare",
            ["os_type"] = "linux",
            ["visibility"] = visibility,
        });
        return image["id"]!.GetValue<string>();
    }
}
