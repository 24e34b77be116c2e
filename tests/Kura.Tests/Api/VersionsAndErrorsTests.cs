namespace Kura.Tests.Api;

/// <summary>Glance's version negotiation, request ids and WebOb-style error negotiation (reference §1.1–§1.3).</summary>
public sealed class VersionsAndErrorsTests(KuraHostFixture fixture) : IClassFixture<KuraHostFixture>
{
    private KuraHost Kura => fixture.Host;

    [Fact]
    public async Task Root_answers_300_with_the_versions_document_without_a_token()
    {
        using var response = await Kura.SendAsync(HttpMethod.Get, "", null);
        Assert.Equal(HttpStatusCode.MultipleChoices, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.ToString());
        var versions = (await KuraHost.ReadJsonAsync(response))["versions"]!.AsArray();
        Assert.Equal("v2.15", versions[0]!["id"]!.GetValue<string>());
        Assert.Equal("CURRENT", versions[0]!["status"]!.GetValue<string>());
        Assert.Contains(versions, v => v!["id"]!.GetValue<string>() == "v2.0");
        Assert.All(versions, v => Assert.Equal(Kura.BaseUrl + "/v2/", v!["links"]![0]!["href"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Versions_path_answers_200_and_unknown_versions_300()
    {
        Assert.Equal(HttpStatusCode.OK, await Kura.StatusAsync(HttpMethod.Get, "versions", null));
        Assert.Equal(HttpStatusCode.MultipleChoices, await Kura.StatusAsync(HttpMethod.Get, "v1/images", null));
        Assert.Equal(HttpStatusCode.MultipleChoices, await Kura.StatusAsync(HttpMethod.Get, "v3", null));
    }

    [Fact]
    public async Task Minor_version_prefixes_route_to_v2()
    {
        var token = await Kura.AdminTokenAsync();
        using var response = await Kura.SendAsync(HttpMethod.Get, "v2.1/images", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull((await KuraHost.ReadJsonAsync(response))["images"]);
    }

    [Fact]
    public async Task Every_v2_response_carries_a_request_id_and_a_sent_one_is_kept()
    {
        var token = await Kura.AdminTokenAsync();
        using var generated = await Kura.SendAsync(HttpMethod.Get, "v2/images", token);
        Assert.Matches("^req-[0-9a-f-]{36}$", generated.Headers.GetValues("x-openstack-request-id").Single());

        using var request = KuraHost.Request(HttpMethod.Get, "v2/images/nope", token);
        request.Headers.Add("X-Openstack-Request-ID", "req-11111111-2222-3333-4444-555555555555");
        using var echoed = await Kura.Http.SendAsync(request);
        Assert.Equal("req-11111111-2222-3333-4444-555555555555", echoed.Headers.GetValues("x-openstack-request-id").Single());

        using var hostile = KuraHost.Request(HttpMethod.Get, "v2/images", token);
        hostile.Headers.TryAddWithoutValidation("X-Openstack-Request-ID", "evil\u0001value");
        using var replaced = await Kura.Http.SendAsync(hostile);
        Assert.Matches("^req-[0-9a-f-]{36}$", replaced.Headers.GetValues("x-openstack-request-id").Single());
    }

    [Fact]
    public async Task Error_bodies_follow_the_accept_header_as_WebOb_does()
    {
        var token = await Kura.AdminTokenAsync();

        using var json = await Kura.SendAsync(HttpMethod.Get, "v2/images/does-not-exist", token, accept: "application/json");
        Assert.Equal(HttpStatusCode.NotFound, json.StatusCode);
        Assert.Equal("application/json", json.Content.Headers.ContentType!.ToString());
        var body = await KuraHost.ReadJsonAsync(json);
        Assert.Equal("No image found with ID does-not-exist<br /><br />\n\n\n", body["message"]!.GetValue<string>());
        Assert.Equal("404 Not Found", body["code"]!.GetValue<string>());
        Assert.Equal("Not Found", body["title"]!.GetValue<string>());

        using var html = await Kura.SendAsync(HttpMethod.Get, "v2/images/does-not-exist", token, accept: "*/*");
        Assert.Equal("text/html; charset=UTF-8", html.Content.Headers.ContentType!.ToString());
        Assert.Contains("<title>404 Not Found</title>", await html.Content.ReadAsStringAsync());

        using var plain = await Kura.SendAsync(HttpMethod.Get, "v2/images/does-not-exist", token, accept: null);
        Assert.Equal("text/plain; charset=UTF-8", plain.Content.Headers.ContentType!.ToString());
        Assert.Equal("404 Not Found\n\nNo image found with ID does-not-exist\n\n   ", await plain.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Unsupported_method_is_405_with_allow_and_unknown_paths_404()
    {
        var token = await Kura.AdminTokenAsync();
        using var put = await Kura.SendAsync(HttpMethod.Put, "v2/images", token);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
        Assert.Equal(["GET", "POST"], put.Content.Headers.Allow.Order());
        Assert.Equal("405 Method Not Allowed", (await KuraHost.ReadJsonAsync(put))["code"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.MethodNotAllowed, await Kura.StatusAsync(HttpMethod.Head, "v2/images", token));

        Assert.Equal(HttpStatusCode.NotFound, await Kura.StatusAsync(HttpMethod.Get, "v2/images/", token));
        Assert.Equal(HttpStatusCode.NotFound, await Kura.StatusAsync(HttpMethod.Delete, "v2/images/", token));

        using var unknown = await Kura.SendAsync(HttpMethod.Get, "v2/nothing-here", token);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("404 Not Found", (await KuraHost.ReadJsonAsync(unknown))["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Requests_without_a_valid_token_get_401_with_the_keystone_uri()
    {
        foreach (var token in new string?[] { null, "", "not-a-token", new string('x', 5000) })
        {
            using var response = await Kura.SendAsync(HttpMethod.Get, "v2/images", token);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal($"Keystone uri=\"{Kura.BaseUrl}/identity\"", response.Headers.WwwAuthenticate.ToString());
            Assert.Equal("401 Unauthorized", (await KuraHost.ReadJsonAsync(response))["code"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Malformed_json_is_400_in_glance_shape_and_never_500()
    {
        var token = await Kura.AdminTokenAsync();
        foreach (var body in new[] { "{", "[]", "\"text\"", "{\"name\": 5}", "{\"disk_format\": \"wrong\"}", "{\"min_ram\": -1}", "{\"foo\": 1}", "{\"id\": \"not-a-uuid\"}", new string('[', 5000) })
        {
            using var response = await Kura.SendAsync(HttpMethod.Post, "v2/images", token, new StringContent(body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("400 Bad Request", (await KuraHost.ReadJsonAsync(response))["code"]!.GetValue<string>());
        }
    }
}
