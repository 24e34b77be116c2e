namespace Kura.Tests.Api;

/// <summary>
/// Issue 24's reproductions, each answered as Glance's contract says (reference glance-v2.md): duplicate keys in a
/// create body, 64-bit minimums, tags that are dot segments or hold a slash, virtual_size for formats nothing
/// inspects, the depth of a locations pointer, lengths in characters, the first of two sorts; and request targets
/// that are no path, a time filter at the calendar's end, an unrouted path without a token.
/// </summary>
public sealed class ContractDefectTests(KuraHostFixture fixture) : IClassFixture<KuraHostFixture>
{
    private KuraHost Kura => fixture.Host;

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, string token, HttpContent? content = null)
    {
        using var response = await Kura.SendAsync(method, path, token, content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>Sends <paramref name="target"/> byte for byte (HttpClient would normalise it) and returns the status code.</summary>
    private async Task<int> RawStatusAsync(string method, string target, string? token, string? body = null, bool chunked = false, string contentType = "application/json")
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, new Uri(Kura.BaseUrl).Port);
        var stream = client.GetStream();
        var head = new StringBuilder($"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        if (token is not null)
        {
            head.Append($"X-Auth-Token: {token}\r\n");
        }

        head.Append(body is null ? "Content-Length: 0\r\n" : chunked ? $"Content-Type: {contentType}\r\nTransfer-Encoding: chunked\r\n" : $"Content-Type: {contentType}\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n");
        await stream.WriteAsync(Encoding.UTF8.GetBytes(head + "\r\n" + body));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var statusLine = await reader.ReadLineAsync() ?? string.Empty;
        return int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_key_given_twice_keeps_its_last_value_and_a_list_is_not_merged()
    {
        var account = await Kura.CreateAccountAsync("dup-keys");
        var (status, body) = await SendAsync(HttpMethod.Post, "v2/images", account.Token, Json("""{"xk":"1","name":"dup","xk":"2","tags":["x"],"tags":["y"]}"""));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("2", body!["xk"]!.GetValue<string>());
        Assert.Equal(["y"], body["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        var shown = await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{body["id"]}", account.Token, null);
        Assert.Equal("2", shown["xk"]!.GetValue<string>());

        // Only the last value is checked, as Python's json module never keeps the first.
        var (second, _) = await SendAsync(HttpMethod.Post, "v2/images", account.Token, Json("""{"min_ram":"lots","min_ram":1}"""));
        Assert.Equal(HttpStatusCode.Created, second);
    }

    [Fact]
    public async Task Minimums_take_any_non_negative_64_bit_value()
    {
        var account = await Kura.CreateAccountAsync("minimums");
        var (status, body) = await SendAsync(HttpMethod.Post, "v2/images", account.Token, Json("""{"min_ram":2147483648,"min_disk":9007199254740993}"""));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(2147483648L, body!["min_ram"]!.GetValue<long>());
        var id = body["id"]!.GetValue<string>();
        Assert.Equal(9007199254740993L, (await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", account.Token, null))["min_disk"]!.GetValue<long>());

        var patch = new StringContent("""[{"op":"replace","path":"/min_ram","value":9223372036854775807}]""", Encoding.UTF8, "application/openstack-images-v2.1-json-patch");
        var (patched, after) = await SendAsync(HttpMethod.Patch, $"v2/images/{id}", account.Token, patch);
        Assert.Equal(HttpStatusCode.OK, patched);
        Assert.Equal(long.MaxValue, after!["min_ram"]!.GetValue<long>());

        var (over, error) = await SendAsync(HttpMethod.Post, "v2/images", account.Token, Json("""{"min_ram":9223372036854775808}"""));
        Assert.Equal(HttpStatusCode.BadRequest, over);
        Assert.Equal("400 Bad Request", error!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, "v2/images", account.Token, Json("""{"min_disk":-1}"""))).Status);
    }

    [Fact]
    public async Task Tags_that_are_dot_segments_are_reachable_and_a_slash_is_no_tag()
    {
        var account = await Kura.CreateAccountAsync("dot-tags");
        var id = (await Kura.CreateImageAsync(account.Token, new JsonObject { ["name"] = "dots", ["tags"] = new JsonArray("..", ".") }))["id"]!.GetValue<string>();

        Assert.Equal(204, await RawStatusAsync("DELETE", $"/v2/images/{id}/tags/%2E%2E", account.Token));
        Assert.Equal(204, await RawStatusAsync("PUT", $"/v2/images/{id}/tags/%2E%2E%2E", account.Token));
        Assert.Equal(204, await RawStatusAsync("DELETE", $"/v2/images/{id}/tags/.", account.Token));
        Assert.Equal(404, await RawStatusAsync("PUT", $"/v2/images/{id}/tags/a%2Fb", account.Token));
        Assert.Equal(404, await RawStatusAsync("PUT", $"/v2.1/images/{id}/tags/a%2fb", account.Token));
        // A percent sign that decodes to "%00" is text, not a second decoding.
        Assert.Equal(204, await RawStatusAsync("PUT", $"/v2.1/images/{id}/tags/%2500", account.Token));

        var tags = (await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", account.Token, null))["tags"]!.AsArray().Select(t => t!.GetValue<string>()).Order();
        Assert.Equal(["%00", "..."], tags);
    }

    /// <summary>The disk formats Glance does not inspect, each with its own container format where it has one.</summary>
    public static TheoryData<string, string> Uninspected => new() { { "aki", "aki" }, { "ami", "ami" }, { "ari", "ari" }, { "ploop", "bare" } };

    [Theory]
    [MemberData(nameof(Uninspected))]
    public async Task Formats_nothing_inspects_keep_a_null_virtual_size(string diskFormat, string containerFormat)
    {
        var account = await Kura.CreateAccountAsync($"vsize-{diskFormat}");
        foreach (var container in new[] { containerFormat, "bare" }.Distinct())
        {
            var id = (await Kura.CreateImageAsync(account.Token, new JsonObject { ["disk_format"] = diskFormat, ["container_format"] = container }))["id"]!.GetValue<string>();
            using (var upload = await Kura.UploadAsync(account.Token, id, new ByteArrayContent(new byte[4096])))
            {
                Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
            }

            var image = await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", account.Token, null);
            Assert.Equal(4096, image["size"]!.GetValue<long>());
            Assert.Null(image["virtual_size"]);
        }
    }

    [Fact]
    public async Task A_locations_pointer_has_the_depth_its_op_allows_and_a_missing_image_is_404_first()
    {
        var account = await Kura.CreateAccountAsync("locations-ptr");
        var id = (await Kura.CreateImageAsync(account.Token))["id"]!.GetValue<string>();
        var patch = (string ops) => new StringContent(ops, Encoding.UTF8, "application/openstack-images-v2.1-json-patch");

        var (replaceDash, body) = await SendAsync(HttpMethod.Patch, $"v2/images/{id}", account.Token, patch("""[{"op":"replace","path":"/locations/-","value":[]}]"""));
        Assert.Equal(HttpStatusCode.BadRequest, replaceDash);
        Assert.Contains("Invalid JSON pointer for this resource: '/locations/-'", body!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Patch, $"v2/images/{id}", account.Token, patch("""[{"op":"add","path":"/locations","value":{}}]"""))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Patch, $"v2/images/{id}", account.Token, patch("""[{"op":"remove","path":"/locations/0/url"}]"""))).Status);

        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Patch, $"v2/images/{Guid.NewGuid()}", account.Token, patch("""[{"op":"replace","path":"/locations","value":[]}]"""))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Patch, $"v2/images/{id}", account.Token, patch("""[{"op":"replace","path":"/locations","value":[]}]"""))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Patch, $"v2/images/{id}", account.Token, patch("""[{"op":"add","path":"/locations/-","value":{"url":"http://x","metadata":{}}}]"""))).Status);
    }

    [Fact]
    public async Task Lengths_are_counted_in_characters_not_utf16_units()
    {
        var account = await Kura.CreateAccountAsync("emoji-len");
        var emoji = char.ConvertFromUtf32(0x1F600);
        var name200 = string.Concat(Enumerable.Repeat(emoji, 200));
        var tag128 = string.Concat(Enumerable.Repeat(emoji, 128));
        var created = await Kura.CreateImageAsync(account.Token, new JsonObject { ["name"] = name200, ["tags"] = new JsonArray(tag128) });
        Assert.Equal(name200, created["name"]!.GetValue<string>());
        var id = created["id"]!.GetValue<string>();
        using (var put = await Kura.SendAsync(HttpMethod.Put, $"v2/images/{id}/tags/{Uri.EscapeDataString(string.Concat(Enumerable.Repeat(emoji, 255)))}", account.Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        }

        var (tooLong, _) = await SendAsync(HttpMethod.Post, "v2/images", account.Token, Json(new JsonObject { ["name"] = string.Concat(Enumerable.Repeat(emoji, 256)) }.ToJsonString()));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong);
        using var longTag = await Kura.SendAsync(HttpMethod.Put, $"v2/images/{id}/tags/{Uri.EscapeDataString(string.Concat(Enumerable.Repeat(emoji, 256)))}", account.Token);
        Assert.Equal(HttpStatusCode.BadRequest, longTag.StatusCode);
        Assert.DoesNotContain("\\uD83D\"", await longTag.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_first_sort_is_read_and_a_bad_one_is_refused()
    {
        var account = await Kura.CreateAccountAsync("sort-first");
        var (status, body) = await SendAsync(HttpMethod.Get, "v2/images?sort=name:sideways&sort=size:desc", account.Token);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("sideways", body!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "v2/images?sort=name:asc&sort=size:sideways", account.Token)).Status);
    }

    [Fact]
    public async Task Time_filters_at_the_end_of_the_calendar_answer_200()
    {
        var token = await Kura.AdminTokenAsync();
        foreach (var filter in new[] { "created_at=lte:9999-12-31T23:59:59Z", "updated_at=9999-12-31T23:59:59Z", "created_at=neq:9999-12-31T23:59:59Z", "created_at=gt:0001-01-01T00:00:00Z" })
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "v2/images?" + filter, token)).Status);
        }
    }

    [Fact]
    public async Task A_chunk_size_that_overflows_is_400_in_each_dialect()
    {
        var token = await Kura.AdminTokenAsync();
        const string overflowing = "FFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n";
        Assert.Equal(400, await RawStatusAsync("POST", "/v2/images", token, overflowing, chunked: true));
        Assert.Equal(400, await RawStatusAsync("POST", "/identity/v3/auth/tokens", null, overflowing, chunked: true));
        var id = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        // An upload whose framing breaks leaves the image queued with nothing stored.
        Assert.Equal(400, await RawStatusAsync("PUT", $"/v2/images/{id}/file", token, "4\r\ndata\r\n" + overflowing, chunked: true, contentType: "application/octet-stream"));
        Assert.Equal("queued", (await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Targets_that_are_no_path_are_400_and_an_unrouted_path_without_a_token_is_401()
    {
        Assert.Equal(400, await RawStatusAsync("OPTIONS", "*", null));
        Assert.Equal(400, await RawStatusAsync("CONNECT", "127.0.0.1:9292", null));
        Assert.Equal(401, await RawStatusAsync("GET", "/v2/nothing-here", null));
        Assert.Equal(401, await RawStatusAsync("PUT", "/v2/images", null));
        var token = await Kura.AdminTokenAsync();
        Assert.Equal(404, await RawStatusAsync("GET", "/v2/nothing-here", token));
        Assert.Equal(405, await RawStatusAsync("PUT", "/v2/images", token));
    }
}
