using Kura.Tests.Providers;

namespace Kura.Tests.Reliability;

/// <summary>
/// A corpus of well over 500 bad requests across every surface and dialect (Glance /v2, Keystone /identity, NHN
/// /v1.0, ConoHa /v2 extras): malformed JSON and patches, wrong types, huge strings, unicode edge cases, SQL- and
/// path-traversal-looking ids, filters and appkeys, unknown operators, bad markers, negative or enormous limits and
/// wrong content types. Each must get a 4xx (NHN: its failure envelope) in the dialect's own error shape, never a
/// 5xx, and the catalog must be exactly as before.
/// </summary>
public sealed class HostileInputTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string[] HostileStrings =
    [
        "' OR '1'='1", "1; DROP TABLE images; --", "\" OR \"\"=\"", "%27%20OR%201%3D1", "../../../etc/passwd", "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e%2f%2e%2e%2f", "/etc/passwd", "C:\\Windows\\win.ini", "\0", "%00", "\u202e\u0645\u0631\u062d\u0628\u0627", "\ud83d\udca9\ud83d\udca9",
        "\u0000\u0001\u0002", "<script>alert(1)</script>", "${jndi:ldap://x}", "{{7*7}}", new string('a', 5000), "null", "-1", "1e309",
        "\u00e9\u0301", "\uFEFF", "NaN", "Infinity",
    ];

    private static readonly string[] MalformedJson =
    [
        "{", "[", "}", "{\"name\":}", "{\"name\" \"x\"}", "{'name': 'x'}", "{\"name\":\"x\",}", "nul", "\"just a string\"", "42", "true",
        "{\"a\":" + new string('[', 5000) + new string(']', 5000) + "}", new string('[', 100_000), "{\"name\":\"\\ud800\"}", "{\"name\":\"\\x41\"}",
        "{\"name\": NaN}", "{\"name\": Infinity}", "\u00ef\u00bb\u00bf{}",
    ];

    [Fact]
    public async Task Every_bad_request_of_the_corpus_gets_a_4xx_in_its_dialect_and_changes_nothing()
    {
        await using var nhn = await KuraHost.StartAsync(null, "--Policy:Preset=Nhn", "--Identity:AuthAttemptsPerMinute=0");
        await using var conoha = await KuraHost.StartAsync(null, "--Policy:Preset=Conoha", "--Identity:AuthAttemptsPerMinute=0");
        var tried = 0;
        var failures = new List<string>();
        foreach (var kura in new[] { nhn, conoha })
        {
            var token = await kura.AdminTokenAsync();
            var seeded = (await kura.CreateImageAsync(token, new JsonObject { ["name"] = "seed", ["disk_format"] = "raw", ["container_format"] = "bare", ["os_type"] = "linux", ["tags"] = new JsonArray("t") }))["id"]!.GetValue<string>();
            var before = await SnapshotAsync(kura, token);
            var corpus = Corpus(seeded, kura == nhn ? await NhnFixture.AppkeyAsync(kura, await AdminProjectAsync(kura, token)) : null).ToList();
            foreach (var bad in corpus)
            {
                tried++;
                var problem = await SendAndCheckAsync(kura, token, bad);
                if (problem is not null)
                {
                    failures.Add(problem);
                }
            }

            Assert.True(failures.Count == 0, $"{failures.Count} bad requests were mishandled:\n" + string.Join('\n', failures.Take(30)));
            var after = await SnapshotAsync(kura, token);
            var at = Enumerable.Range(0, Math.Min(before.Length, after.Length)).FirstOrDefault(i => before[i] != after[i]);
            Assert.True(before == after, $"the catalog changed under the corpus, from: …{before[Math.Max(0, at - 200)..Math.Min(before.Length, at + 200)]}… to: …{after[Math.Max(0, at - 200)..Math.Min(after.Length, at + 200)]}…");
        }

        output.WriteLine($"{tried} bad requests tried, {failures.Count} mishandled");
        Assert.True(tried >= 500, $"only {tried} requests in the corpus");
        Assert.True(failures.Count == 0, $"{failures.Count} of {tried} bad requests were mishandled:\n" + string.Join('\n', failures.Take(30)));
    }

    private enum Dialect
    {
        Glance,
        Keystone,
        Nhn,
    }

    private sealed record Bad(Dialect Dialect, HttpMethod Method, string Path, string? Body = null, string ContentType = "application/json", bool Authenticated = true, string? Accept = null, bool RawBytes = false)
    {
        /// <summary>
        /// Kestrel itself refuses these request lines before any dialect sees them (a NUL byte in the path, a line
        /// over its 8 KiB limit): they get Kestrel's bare 400 or 414.
        /// </summary>
        public bool Protocol => Path.Split('?')[0].Contains("%00", StringComparison.Ordinal) || Path.Length > 8000;
    }

    private static IEnumerable<Bad> Corpus(string seeded, string? appkey)
    {
        var patch = "application/openstack-images-v2.1-json-patch";
        // Glance: creating images with malformed bodies, wrong types and read-only or unknown fields.
        foreach (var json in MalformedJson)
        {
            yield return new Bad(Dialect.Glance, HttpMethod.Post, "v2/images", json);
            yield return new Bad(Dialect.Glance, HttpMethod.Patch, $"v2/images/{seeded}", json, patch);
            yield return new Bad(Dialect.Keystone, HttpMethod.Post, "identity/v3/auth/tokens", json, Authenticated: false);
            yield return new Bad(Dialect.Glance, HttpMethod.Post, $"v2/images/{seeded}/members", json);
        }

        foreach (var (field, value) in new (string, string)[]
        {
            ("name", "123"), ("name", "[\"x\"]"), ("name", $"\"{new string('n', 300)}\""), ("visibility", "\"bogus\""), ("visibility", "1"),
            ("min_ram", "-1"), ("min_ram", "\"x\""), ("min_ram", "1e30"), ("min_disk", "-5"), ("min_disk", "99999999999999999999"),
            ("protected", "\"yes\""), ("protected", "1"), ("tags", "\"t\""), ("tags", "[1]"), ("tags", $"[\"{new string('t', 300)}\"]"),
            ("id", "\"not-a-uuid\""), ("id", "\"' OR 1=1 --\""), ("disk_format", "\"exe\""), ("container_format", "\"zip\""),
            ("status", "\"active\""), ("size", "5"), ("checksum", "\"x\""), ("location", "\"file:///etc/passwd\""), ("self", "\"x\""),
            ("file", "\"x\""), ("schema", "\"x\""), ("created_at", "\"2020-01-01\""), ("os_hidden", "\"x\""), ("os_hash_value", "\"x\""),
        })
        {
            yield return new Bad(Dialect.Glance, HttpMethod.Post, "v2/images", $"{{\"{field}\": {value}}}");
            yield return new Bad(Dialect.Glance, HttpMethod.Patch, $"v2/images/{seeded}", $"[{{\"op\": \"replace\", \"path\": \"/{field}\", \"value\": {value}}}]", patch);
        }

        foreach (var contentType in new[] { "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x" })
        {
            // (Glance does not check the media type of JSON bodies it creates from, so POST /v2/images is not here.)
            yield return new Bad(Dialect.Glance, HttpMethod.Patch, $"v2/images/{seeded}", "[]", contentType);
            yield return new Bad(Dialect.Glance, HttpMethod.Put, $"v2/images/{seeded}/file", "data", contentType);
        }

        // Glance: PATCH documents that are not patches.
        foreach (var ops in new[]
        {
            "{}", "[{}]", "[{\"op\": \"frobnicate\", \"path\": \"/name\", \"value\": \"x\"}]", "[{\"op\": \"replace\"}]",
            "[{\"op\": \"replace\", \"path\": \"name\", \"value\": \"x\"}]", "[{\"op\": \"replace\", \"path\": \"/\", \"value\": \"x\"}]",
            "[{\"op\": \"remove\", \"path\": \"/no_such_property\"}]", "[{\"op\": \"replace\", \"path\": \"/id\", \"value\": \"x\"}]",
            "[{\"op\": \"add\", \"path\": \"/tags/-\", \"value\": 5}]", "[{\"op\": \"move\", \"from\": \"/name\", \"path\": \"/x\"}]",
            "[{\"op\": \"replace\", \"path\": \"/a/b/c\", \"value\": \"x\"}]", "[{\"op\": \"add\", \"path\": \"/~2\", \"value\": \"x\"}]",
            "[{\"op\": \"replace\", \"path\": \"/visibility\", \"value\": \"everyone\"}]", "[{\"op\": \"add\", \"path\": \"/x\"}]",
        })
        {
            yield return new Bad(Dialect.Glance, HttpMethod.Patch, $"v2/images/{seeded}", ops, patch);
        }

        // Glance: list queries with bad limits, markers, sorts, operators and filters.
        foreach (var query in new[]
        {
            "limit=abc", "limit=-1", "limit=99999999999999999999", "limit=1.5", "limit=", "marker=00000000-0000-0000-0000-000000000000",
            "sort_key=bogus", "sort_dir=sideways", "sort=name:up", "sort=bogus:asc", "sort_key=name&sort=name:asc", "sort=,",
            "created_at=gt:notadate", "created_at=frob:2020-01-01T00:00:00Z", "updated_at=lt", "size_min=abc", "size_max=-x",
            "visibility=everyone", "member_status=maybe", "os_hidden=perhaps", "protected=sometimes", "min_ram=abc", "limit=0x10",
        }.Concat(HostileStrings.Select(s => "marker=" + Uri.EscapeDataString(s))).Concat(HostileStrings.Select(s => "sort_key=" + Uri.EscapeDataString(s))).Concat(HostileStrings.Select(s => "limit=" + Uri.EscapeDataString(s))))
        {
            yield return new Bad(Dialect.Glance, HttpMethod.Get, "v2/images?" + query);
        }

        // Glance: ids that look like SQL or paths, on every per-image route; tags and members too long or absent.
        foreach (var id in HostileStrings.Select(Uri.EscapeDataString).Append(new string('f', 10_000)).Append("..").Append(".").Append(seeded + "x"))
        {
            foreach (var bad in PerImage(id))
            {
                yield return bad;
            }
        }

        IEnumerable<Bad> PerImage(string id)
        {
            yield return new Bad(Dialect.Glance, HttpMethod.Get, $"v2/images/{id}");
            yield return new Bad(Dialect.Glance, HttpMethod.Delete, $"v2/images/{id}");
            yield return new Bad(Dialect.Glance, HttpMethod.Patch, $"v2/images/{id}", "[]", patch);
            yield return new Bad(Dialect.Glance, HttpMethod.Put, $"v2/images/{id}/file", "x", "application/octet-stream");
            yield return new Bad(Dialect.Glance, HttpMethod.Get, $"v2/images/{id}/file");
            yield return new Bad(Dialect.Glance, HttpMethod.Get, $"v2/images/{id}/members");
            yield return new Bad(Dialect.Glance, HttpMethod.Post, $"v2/images/{id}/actions/deactivate");
            yield return new Bad(Dialect.Glance, HttpMethod.Get, $"v2/images/{seeded}/members/{id}");
            yield return new Bad(Dialect.Glance, HttpMethod.Delete, $"v2/images/{seeded}/tags/{id}");
        }

        yield return new Bad(Dialect.Glance, HttpMethod.Put, $"v2/images/{seeded}/tags/{new string('t', 256)}");
        yield return new Bad(Dialect.Glance, HttpMethod.Post, $"v2/images/{seeded}/actions/frobnicate");
        yield return new Bad(Dialect.Glance, HttpMethod.Post, $"v2/images/{seeded}/import", "{\"method\": {\"name\": \"teleport\"}}");
        yield return new Bad(Dialect.Glance, HttpMethod.Post, $"v2/images/{seeded}/import", "{\"method\": {\"name\": \"web-download\", \"uri\": \"file:///etc/passwd\"}}");
        yield return new Bad(Dialect.Glance, HttpMethod.Get, "v2/images", Authenticated: false);
        yield return new Bad(Dialect.Glance, HttpMethod.Post, "v2/images", "{}", Authenticated: false);
        yield return new Bad(Dialect.Glance, HttpMethod.Get, $"v2/images/{seeded}", Accept: "text/html", Authenticated: false);
        yield return new Bad(Dialect.Glance, HttpMethod.Post, "v2/images", new string('x', 2_000_000));
        yield return new Bad(Dialect.Glance, HttpMethod.Post, "v2/images", "{\"name\": \"\xff\xfe\"}", RawBytes: true);

        // Keystone: authentication and admin bodies of every wrong shape.
        foreach (var auth in new[]
        {
            "{}", "{\"auth\": {}}", "{\"auth\": {\"identity\": {}}}", "{\"auth\": {\"identity\": {\"methods\": []}}}",
            "{\"auth\": {\"identity\": {\"methods\": [\"kerberos\"]}}}", "{\"auth\": {\"identity\": {\"methods\": [\"password\"]}}}",
            "{\"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": {}}}}", "{\"auth\": {\"identity\": {\"methods\": \"password\"}}}",
            "{\"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": {\"user\": {\"name\": \"admin\"}}}}}",
            "{\"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": {\"user\": {\"name\": 5, \"password\": 5}}}}}",
        }.Concat(HostileStrings.Select(s => $"{{\"auth\": {{\"identity\": {{\"methods\": [\"password\"], \"password\": {{\"user\": {{\"name\": {System.Text.Json.JsonSerializer.Serialize(s)}, \"domain\": {{\"id\": \"default\"}}, \"password\": {System.Text.Json.JsonSerializer.Serialize(s)}}}}}}}}}}}")))
        {
            yield return new Bad(Dialect.Keystone, HttpMethod.Post, "identity/v3/auth/tokens", auth, Authenticated: false);
            yield return new Bad(Dialect.Keystone, HttpMethod.Post, "identity/v2.0/tokens", auth.Replace("identity", "passwordCredentials", StringComparison.Ordinal), Authenticated: false);
        }

        foreach (var body in MalformedJson.Concat(["{}", "{\"project\": {}}", "{\"project\": {\"name\": 5}}", "{\"user\": {\"name\": []}}", "{\"role\": null}"]))
        {
            yield return new Bad(Dialect.Keystone, HttpMethod.Post, "identity/v3/projects", body);
            yield return new Bad(Dialect.Keystone, HttpMethod.Post, "identity/v3/users", body);
        }

        foreach (var id in HostileStrings.Select(Uri.EscapeDataString))
        {
            yield return new Bad(Dialect.Keystone, HttpMethod.Get, $"identity/v3/projects/{id}");
            yield return new Bad(Dialect.Keystone, HttpMethod.Delete, $"identity/v3/users/{id}");
        }

        if (appkey is not null)
        {
            // NHN: unknown, foreign-looking and traversal appkeys; bad tokens, bodies, limits and markers.
            foreach (var key in HostileStrings.Select(Uri.EscapeDataString).Append("no-such-appkey"))
            {
                yield return new Bad(Dialect.Nhn, HttpMethod.Get, $"v1.0/appkeys/{key}/images");
                yield return new Bad(Dialect.Nhn, HttpMethod.Post, $"v1.0/appkeys/{key}/tokens", "{\"auth\": {\"username\": \"admin\", \"password\": \"admin-secret-pw\"}}", Authenticated: false);
                yield return new Bad(Dialect.Nhn, HttpMethod.Delete, $"compute/v1.0/appkeys/{key}/images?id={seeded}");
            }

            foreach (var query in new[] { "limit=abc", "limit=-1", "limit=99999999999999999999", "limit=", "marker=00000000-0000-0000-0000-000000000000" }
                .Concat(HostileStrings.Select(s => "marker=" + Uri.EscapeDataString(s))))
            {
                yield return new Bad(Dialect.Nhn, HttpMethod.Get, $"v1.0/appkeys/{appkey}/images?{query}");
            }

            foreach (var body in MalformedJson.Concat(["{}", "{\"auth\": {}}", "{\"auth\": {\"username\": 5}}", "{\"auth\": {\"username\": \"admin\", \"password\": \"wrong\"}}"]))
            {
                yield return new Bad(Dialect.Nhn, HttpMethod.Post, $"v1.0/appkeys/{appkey}/tokens", body, Authenticated: false);
            }

            foreach (var id in HostileStrings.Select(Uri.EscapeDataString).Append(string.Empty))
            {
                yield return new Bad(Dialect.Nhn, HttpMethod.Delete, $"v1.0/appkeys/{appkey}/images?id={id}");
                yield return new Bad(Dialect.Nhn, HttpMethod.Get, $"v1.0/appkeys/{appkey}/tokens?id={id}");
            }

            yield return new Bad(Dialect.Nhn, HttpMethod.Get, $"v1.0/appkeys/{appkey}/images", Authenticated: false);
            yield return new Bad(Dialect.Nhn, HttpMethod.Get, $"v1.0/appkeys/{appkey}/frobnicate");
            yield return new Bad(Dialect.Nhn, HttpMethod.Put, $"v1.0/appkeys/{appkey}/images");
        }
        else
        {
            // ConoHa: quota values that are not 50GB plus whole 500GB steps, and wrong shapes.
            foreach (var size in new[] { "\"1GB\"", "\"49GB\"", "\"-50GB\"", "\"abc\"", "123", "null", "\"50TB\"", "\"51GB\"", "\"550.5GB\"", "\"0GB\"", "\"GB\"", "\"5e2GB\"", "[]" }
                .Concat(HostileStrings.Select(s => System.Text.Json.JsonSerializer.Serialize(s))))
            {
                yield return new Bad(Dialect.Glance, HttpMethod.Put, "v2/quota", $"{{\"quota\": {{\"image_size\": {size}}}}}");
            }

            foreach (var body in MalformedJson.Concat(["{}", "{\"quota\": 5}", "{\"quota\": {}}"]))
            {
                yield return new Bad(Dialect.Glance, HttpMethod.Put, "v2/quota", body);
            }

            yield return new Bad(Dialect.Glance, HttpMethod.Get, "v2/quota", Authenticated: false);
            yield return new Bad(Dialect.Glance, HttpMethod.Get, "v2/images/total", Authenticated: false);
        }
    }

    /// <summary>Sends one bad request; null when it was answered as it should be, otherwise what went wrong.</summary>
    private static async Task<string?> SendAndCheckAsync(KuraHost kura, string token, Bad bad)
    {
        using var request = new HttpRequestMessage(bad.Method, bad.Path);
        if (bad.Authenticated)
        {
            request.Headers.Add("X-Auth-Token", token);
        }

        request.Headers.Accept.ParseAdd(bad.Accept ?? "application/json");
        if (bad.Body is not null)
        {
            request.Content = bad.RawBytes ? new ByteArrayContent(Encoding.Latin1.GetBytes(bad.Body)) : new StringContent(bad.Body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(bad.ContentType);
        }

        HttpResponseMessage response;
        try
        {
            response = await kura.Http.SendAsync(request);
        }
        catch (HttpRequestException ex)
        {
            return $"{bad.Method} {Short(bad.Path)}: connection failed ({ex.Message})";
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            var what = $"{bad.Method} {Short(bad.Path)} [{Short(bad.Body ?? string.Empty)}] → {status} {Short(text)}";
            if (bad.Protocol)
            {
                return status is 400 or 414 ? null : what + " (Kestrel refuses this request line)";
            }

            switch (bad.Dialect)
            {
                case Dialect.Nhn:
                    if (status != 200)
                    {
                        return what + " (NHN answers 200 with its envelope)";
                    }

                    var header = TryParse(text)?["header"];
                    return header?["isSuccessful"]?.GetValue<bool>() == false && header["resultCode"]!.GetValue<int>() != 0 ? null : what;
                case Dialect.Keystone:
                    if (status is < 400 or >= 500)
                    {
                        return what;
                    }

                    return TryParse(text)?["error"]?["code"]?.GetValue<int>() == status ? null : what + " (not Keystone's error shape)";
                default:
                    if (status is < 400 or >= 500)
                    {
                        return what;
                    }

                    var json = TryParse(text);
                    var shaped = json?["code"]?.GetValue<string>().StartsWith(status.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal) == true ||
                                 (bad.Accept == "text/html" && text.Contains($"<title>{status} ", StringComparison.Ordinal));
                    return shaped ? null : what + " (not Glance's error shape)";
            }
        }
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static string Short(string s) => s.Length > 80 ? s[..80] + "…" : s;

    private static async Task<string> AdminProjectAsync(KuraHost kura, string token) =>
        (await kura.SendJsonAsync(HttpMethod.Get, "identity/v3/projects?name=admin", token, null))["projects"]![0]!["id"]!.GetValue<string>();

    /// <summary>Everything a bad request could have changed: images with their members, projects and users.</summary>
    private static async Task<string> SnapshotAsync(KuraHost kura, string token)
    {
        var images = await kura.SendJsonAsync(HttpMethod.Get, "v2/images?limit=1000", token, null);
        var text = new StringBuilder(images["images"]!.ToJsonString());
        foreach (var image in images["images"]!.AsArray())
        {
            text.Append((await kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{image!["id"]}/members", token, null)).ToJsonString());
        }

        text.Append((await kura.SendJsonAsync(HttpMethod.Get, "identity/v3/projects", token, null)).ToJsonString());
        text.Append((await kura.SendJsonAsync(HttpMethod.Get, "identity/v3/users", token, null)).ToJsonString());
        return text.ToString();
    }
}
