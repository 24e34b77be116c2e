using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Kura.Tests.Api;

/// <summary>A Kura that may fetch from loopback, plus a small web server on loopback to fetch from.</summary>
public sealed class ImportFixture : IAsyncLifetime
{
    public static readonly byte[] Payload = RandomNumberGenerator.GetBytes(300_000);

    private WebApplication _source = null!;

    public KuraHost Host { get; private set; } = null!;

    public string SourceUrl { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _source = await LoopbackWebServer.StartAsync(source =>
        {
            source.MapGet("/image.raw", () => Results.Bytes(Payload, "application/octet-stream"));
            source.MapGet("/redirect", () => Results.Redirect("/image.raw"));
            source.MapGet("/missing", () => Results.NotFound());
        });
        SourceUrl = _source.Urls.First().TrimEnd('/');
        var port = new Uri(SourceUrl).Port;
        Host = await KuraHost.StartAsync(null, "--Import:DisallowPrivateAddresses=false", "--Import:AllowedPorts:0=80", "--Import:AllowedPorts:1=443", $"--Import:AllowedPorts:2={port}");
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await _source.DisposeAsync();
    }
}

/// <summary>Interoperable import (reference §1.12): glance-direct, web-download, copy-image, tasks and discovery.</summary>
public sealed class ImportTests(ImportFixture fixture) : IClassFixture<ImportFixture>
{
    private KuraHost Kura => fixture.Host;

    private static StringContent ImportBody(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<JsonNode> WaitAsync(string token, string id, Func<JsonNode, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonNode image;
        do
        {
            image = await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null);
            if (done(image))
            {
                return image;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        throw new Xunit.Sdk.XunitException($"image {id} never got there: {image.ToJsonString()}");
    }

    private async Task<JsonNode> TasksAsync(string token, string id) => await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}/tasks", token, null);

    [Fact]
    public async Task Glance_direct_stages_then_imports_and_records_the_task()
    {
        var token = await Kura.AdminTokenAsync();
        var id = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        var data = RandomNumberGenerator.GetBytes(123_457);
        var stage = new ByteArrayContent(data);
        stage.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        Assert.Equal(HttpStatusCode.NoContent, await Kura.StatusAsync(HttpMethod.Put, $"v2/images/{id}/stage", token, stage, accept: null));

        var uploading = await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null);
        Assert.Equal("uploading", uploading["status"]!.GetValue<string>());
        Assert.Equal(data.Length, uploading["size"]!.GetValue<long>());

        using var import = await Kura.SendAsync(HttpMethod.Post, $"v2/images/{id}/import", token, ImportBody("""{"method": {"name": "glance-direct"}, "all_stores": true}"""));
        Assert.Equal(HttpStatusCode.Accepted, import.StatusCode);
        Assert.Empty(await import.Content.ReadAsByteArrayAsync());
        var requestId = import.Headers.GetValues("x-openstack-request-id").Single();

        var image = await WaitAsync(token, id, i => i["status"]!.GetValue<string>() == "active");
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(data)), image["checksum"]!.GetValue<string>());
        Assert.Equal(Convert.ToHexStringLower(SHA512.HashData(data)), image["os_hash_value"]!.GetValue<string>());
        Assert.Null(image["os_glance_import_task"]);
        using var download = await Kura.SendAsync(HttpMethod.Get, $"v2/images/{id}/file", token);
        Assert.Equal(data, await download.Content.ReadAsByteArrayAsync());
        Assert.False(File.Exists(Path.Combine(Kura.DataDirectory, "blobs", "images", id + ".staging")));

        var task = (await TasksAsync(token, id))["tasks"]!.AsArray().Single()!;
        Assert.Equal("success", task["status"]!.GetValue<string>());
        Assert.Equal(requestId, task["request_id"]!.GetValue<string>());
        Assert.Equal("api_image_import", task["type"]!.GetValue<string>());
        Assert.Equal("glance-direct", task["input"]!["import_req"]!["method"]!["name"]!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$", task["created_at"]!.GetValue<string>());
    }

    [Fact]
    public async Task Web_download_fetches_follows_redirects_and_fails_cleanly()
    {
        var token = await Kura.AdminTokenAsync();
        foreach (var path in new[] { "/image.raw", "/redirect" })
        {
            var id = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
            using var import = await Kura.SendAsync(HttpMethod.Post, $"v2/images/{id}/import", token,
                ImportBody($$$"""{"method": {"name": "web-download", "uri": "{{{fixture.SourceUrl}}}{{{path}}}"}}"""));
            Assert.Equal(HttpStatusCode.Accepted, import.StatusCode);
            var image = await WaitAsync(token, id, i => i["status"]!.GetValue<string>() == "active");
            Assert.Equal(Convert.ToHexStringLower(MD5.HashData(ImportFixture.Payload)), image["checksum"]!.GetValue<string>());
        }

        var failing = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        using (var import = await Kura.SendAsync(HttpMethod.Post, $"v2/images/{failing}/import", token,
            ImportBody($$$"""{"method": {"name": "web-download", "uri": "{{{fixture.SourceUrl}}}/missing"}}""")))
        {
            Assert.Equal(HttpStatusCode.Accepted, import.StatusCode);
        }

        await WaitAsync(token, failing, i => i["status"]!.GetValue<string>() == "queued" && i["os_glance_import_task"] is null);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await TasksAsync(token, failing))["tasks"]![0]!["status"]!.GetValue<string>() != "failure" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var task = (await TasksAsync(token, failing))["tasks"]![0]!;
        Assert.Equal("failure", task["status"]!.GetValue<string>());
        Assert.Contains("404", task["message"]!.GetValue<string>());
        Assert.False(File.Exists(Path.Combine(Kura.DataDirectory, "blobs", "images", failing)));
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/x")]
    [InlineData("http://127.0.0.1:1/x")]
    [InlineData("file:///etc/passwd")]
    [InlineData("http://user:pw@127.0.0.1/x")]
    [InlineData("not a uri")]
    public async Task Web_download_uris_that_fail_the_filters_are_400(string uri)
    {
        var token = await Kura.AdminTokenAsync();
        var id = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        using var import = await Kura.SendAsync(HttpMethod.Post, $"v2/images/{id}/import", token,
            ImportBody($$$"""{"method": {"name": "web-download", "uri": "{{{uri}}}"}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, import.StatusCode);
        Assert.Equal("queued", (await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task By_default_web_download_refuses_private_addresses_even_behind_a_name()
    {
        await using var strict = await KuraHost.StartAsync(null, "--Import:AllowedPorts:0=80", $"--Import:AllowedPorts:1={new Uri(fixture.SourceUrl).Port}");
        var token = await strict.AdminTokenAsync();
        var id = (await strict.CreateImageAsync(token))["id"]!.GetValue<string>();
        var uri = fixture.SourceUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "/image.raw";
        using var import = await strict.SendAsync(HttpMethod.Post, $"v2/images/{id}/import", token,
            ImportBody($$$"""{"method": {"name": "web-download", "uri": "{{{uri}}}"}}"""));
        Assert.Equal(HttpStatusCode.Accepted, import.StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonNode task;
        do
        {
            task = (await strict.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}/tasks", token, null))["tasks"]![0]!;
            await Task.Delay(50);
        }
        while (task["status"]!.GetValue<string>() is "pending" or "processing" && DateTime.UtcNow < deadline);
        Assert.Equal("failure", task["status"]!.GetValue<string>());
        Assert.Contains("does not pass filtering", task["message"]!.GetValue<string>());
        Assert.Equal("queued", (await strict.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Import_errors_match_glance()
    {
        var owner = await Kura.CreateAccountAsync("importer");
        var stranger = await Kura.CreateAccountAsync("importstranger");
        var id = (await Kura.CreateImageAsync(owner.Token))["id"]!.GetValue<string>();
        async Task<HttpStatusCode> Import(string token, string body)
        {
            using var response = await Kura.SendAsync(HttpMethod.Post, $"v2/images/{id}/import", token, ImportBody(body));
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.BadRequest, await Import(owner.Token, "{}"));
        Assert.Equal(HttpStatusCode.BadRequest, await Import(owner.Token, """{"method": {}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, await Import(owner.Token, """{"method": {"name": "foo"}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, await Import(owner.Token, """{"method": {"name": "glance-direct"}, "all_stores": "yes"}"""));
        Assert.Equal(HttpStatusCode.Conflict, await Import(owner.Token, """{"method": {"name": "glance-direct"}}"""));
        Assert.Equal(HttpStatusCode.Forbidden, await Import(owner.Token, """{"method": {"name": "copy-image"}}"""));
        Assert.Equal(HttpStatusCode.NotFound, await Import(stranger.Token, """{"method": {"name": "glance-direct"}}"""));

        var bare = (await Kura.CreateImageAsync(owner.Token, new JsonObject { ["name"] = "no formats" }))["id"]!.GetValue<string>();
        using (var response = await Kura.SendAsync(HttpMethod.Post, $"v2/images/{bare}/import", owner.Token,
            ImportBody($$$"""{"method": {"name": "web-download", "uri": "{{{fixture.SourceUrl}}}/image.raw"}}""")))
        {
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        }

        var json = new StringContent("x");
        json.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, await Kura.StatusAsync(HttpMethod.Put, $"v2/images/{id}/stage", owner.Token, json));

        var stage = new ByteArrayContent([1, 2, 3]);
        stage.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        Assert.Equal(HttpStatusCode.NotFound, await Kura.StatusAsync(HttpMethod.Put, $"v2/images/{id}/stage", stranger.Token, stage));

        var again = new ByteArrayContent([1, 2, 3]);
        again.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        Assert.Equal(HttpStatusCode.NoContent, await Kura.StatusAsync(HttpMethod.Put, $"v2/images/{id}/stage", owner.Token, again));

        var twice = new ByteArrayContent([4]);
        twice.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        Assert.Equal(HttpStatusCode.Conflict, await Kura.StatusAsync(HttpMethod.Put, $"v2/images/{id}/stage", owner.Token, twice));
    }

    [Fact]
    public async Task An_unsafe_image_is_refused_by_the_import_task()
    {
        using var qemu = new QemuImg();
        qemu.Create("base.raw", "1M", "-f", "raw");
        var bad = await File.ReadAllBytesAsync(qemu.Create("child.qcow2", null, "-f", "qcow2", "-b", "base.raw", "-F", "raw"));
        var token = await Kura.AdminTokenAsync();
        var id = (await Kura.CreateImageAsync(token, new JsonObject { ["disk_format"] = "qcow2", ["container_format"] = "bare" }))["id"]!.GetValue<string>();
        var stage = new ByteArrayContent(bad);
        stage.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using (await Kura.SendAsync(HttpMethod.Put, $"v2/images/{id}/stage", token, stage))
        {
        }

        Assert.Equal(HttpStatusCode.Accepted, await Kura.StatusAsync(HttpMethod.Post, $"v2/images/{id}/import", token, ImportBody("""{"method": {"name": "glance-direct"}}""")));

        await WaitAsync(token, id, i => i["status"]!.GetValue<string>() == "queued");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await TasksAsync(token, id))["tasks"]![0]!["status"]!.GetValue<string>() != "failure" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Contains("backing file", (await TasksAsync(token, id))["tasks"]![0]!["message"]!.GetValue<string>());
        Assert.False(File.Exists(Path.Combine(Kura.DataDirectory, "blobs", "images", id)));
        Assert.False(File.Exists(Path.Combine(Kura.DataDirectory, "blobs", "images", id + ".staging")));
    }

    [Fact]
    public async Task Discovery_documents()
    {
        var token = await Kura.AdminTokenAsync();
        var info = await Kura.SendJsonAsync(HttpMethod.Get, "v2/info/import", token, null);
        Assert.Equal(["glance-direct", "web-download", "copy-image"], info["import-methods"]!["value"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.NotFound, await Kura.StatusAsync(HttpMethod.Get, "v2/info/stores", token));
        var usage = await Kura.SendJsonAsync(HttpMethod.Get, "v2/info/usage", token, null);
        Assert.True(usage["usage"]!["image_count_total"]!["usage"]!.GetValue<long>() >= 0);

        using var create = await Kura.SendAsync(HttpMethod.Post, "v2/images", token, ImportBody("{}"));
        Assert.Equal("glance-direct,web-download,copy-image", create.Headers.GetValues("OpenStack-image-import-methods").Single());
    }
}
