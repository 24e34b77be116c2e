namespace Kura.Tests.Api;

/// <summary>Upload and download of image data (reference §1.11): streamed, hashed, atomic.</summary>
public sealed class ImageDataTests(KuraHostFixture fixture) : IClassFixture<KuraHostFixture>
{
    private KuraHost Kura => fixture.Host;

    private static byte[] RandomBytes(int n)
    {
        var data = new byte[n];
        Random.Shared.NextBytes(data);
        return data;
    }

    [Fact]
    public async Task Upload_with_content_length_makes_the_image_active_with_glance_hashes()
    {
        var token = await Kura.AdminTokenAsync();
        var id = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        var data = RandomBytes(3 * 1024 * 1024 + 17);

        using (var upload = await Kura.UploadAsync(token, id, new ByteArrayContent(data)))
        {
            Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
            Assert.Empty(await upload.Content.ReadAsByteArrayAsync());
        }

        var image = await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null);
        Assert.Equal("active", image["status"]!.GetValue<string>());
        Assert.Equal(data.Length, image["size"]!.GetValue<long>());
        Assert.Equal(data.Length, image["virtual_size"]!.GetValue<long>());
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(data)), image["checksum"]!.GetValue<string>());
        Assert.Equal("sha512", image["os_hash_algo"]!.GetValue<string>());
        Assert.Equal(Convert.ToHexStringLower(SHA512.HashData(data)), image["os_hash_value"]!.GetValue<string>());

        using var download = await Kura.SendAsync(HttpMethod.Get, $"v2/images/{id}/file", token, accept: null);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/octet-stream", download.Content.Headers.ContentType!.ToString());
        Assert.Equal(data.Length, download.Content.Headers.ContentLength);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(data)), download.Content.Headers.GetValues("Content-MD5").Single());
        Assert.Equal(data, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Chunked_upload_from_a_non_seekable_stream_and_an_empty_upload()
    {
        var token = await Kura.AdminTokenAsync();
        var id = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        var data = RandomBytes(5000);
        var content = new StreamContent(new NonSeekableStream(data));
        using (var upload = await Kura.UploadAsync(token, id, content))
        {
            Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
        }

        using var download = await Kura.SendAsync(HttpMethod.Get, $"v2/images/{id}/file", token);
        Assert.Equal(data, await download.Content.ReadAsByteArrayAsync());

        var empty = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        using (var upload = await Kura.UploadAsync(token, empty, new ByteArrayContent([])))
        {
            Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
        }

        var image = await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{empty}", token, null);
        Assert.Equal("active", image["status"]!.GetValue<string>());
        Assert.Equal(0, image["size"]!.GetValue<long>());
        Assert.Equal("d41d8cd98f00b204e9800998ecf8427e", image["checksum"]!.GetValue<string>());
    }

    [Fact]
    public async Task Download_of_an_image_without_data_is_204()
    {
        var token = await Kura.AdminTokenAsync();
        var id = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        using var download = await Kura.SendAsync(HttpMethod.Get, $"v2/images/{id}/file", token);
        Assert.Equal(HttpStatusCode.NoContent, download.StatusCode);
        Assert.Empty(await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Ranges_are_206_multi_ranges_400_and_bad_ranges_416()
    {
        var token = await Kura.AdminTokenAsync();
        var id = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        var data = RandomBytes(5000);
        using (await Kura.UploadAsync(token, id, new ByteArrayContent(data)))
        {
        }

        async Task<HttpResponseMessage> Get(string range)
        {
            var request = KuraHost.Request(HttpMethod.Get, $"v2/images/{id}/file", token);
            request.Headers.TryAddWithoutValidation("Range", range);
            return await Kura.Http.SendAsync(request);
        }

        using (var first = await Get("bytes=0-9"))
        {
            Assert.Equal(HttpStatusCode.PartialContent, first.StatusCode);
            Assert.Equal("bytes 0-9/5000", first.Content.Headers.ContentRange!.ToString());
            Assert.Equal(10, first.Content.Headers.ContentLength);
            Assert.Equal(Convert.ToHexStringLower(MD5.HashData(data)), first.Content.Headers.GetValues("Content-MD5").Single());
            Assert.Equal(data[..10], await first.Content.ReadAsByteArrayAsync());
        }

        using (var tail = await Get("bytes=4990-"))
        {
            Assert.Equal(data[4990..], await tail.Content.ReadAsByteArrayAsync());
        }

        using (var suffix = await Get("bytes=-5"))
        {
            Assert.Equal(data[4995..], await suffix.Content.ReadAsByteArrayAsync());
        }

        using (var beyond = await Get("bytes=100-999999"))
        {
            Assert.Equal("bytes 100-4999/5000", beyond.Content.Headers.ContentRange!.ToString());
        }

        using (var multi = await Get("bytes=0-1,3-4"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, multi.StatusCode);
        }

        foreach (var bad in new[] { "bytes=6000-", "bytes=9-2", "bytes=x-y", "pages=1-2", "bytes=-0" })
        {
            using var response = await Get(bad);
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        }
    }

    [Fact]
    public async Task Upload_errors_match_glance()
    {
        var token = await Kura.AdminTokenAsync();

        var noFormats = (await Kura.CreateImageAsync(token, new JsonObject { ["name"] = "bare" }))["id"]!.GetValue<string>();
        using (var response = await Kura.UploadAsync(token, noFormats, new ByteArrayContent([1, 2, 3])))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        Assert.Equal("queued", (await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{noFormats}", token, null))["status"]!.GetValue<string>());

        var id = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        var json = new ByteArrayContent([1, 2, 3]);
        json.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using (var response = await Kura.UploadAsync(token, id, json))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        }

        using (var response = await Kura.UploadAsync(token, id, new ByteArrayContent([1, 2, 3])))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        using (var response = await Kura.UploadAsync(token, id, new ByteArrayContent([4, 5, 6])))
        {
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        }

        using (var response = await Kura.UploadAsync(token, Guid.NewGuid().ToString(), new ByteArrayContent([1])))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        using var download = await Kura.SendAsync(HttpMethod.Get, $"v2/images/{id}/file", token);
        Assert.Equal(new byte[] { 1, 2, 3 }, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_upload_leaves_a_queued_image_and_no_data()
    {
        var token = await Kura.AdminTokenAsync();
        var id = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        using (await RawUploadAsync(token, id, declaredLength: 10_000_000, sent: 1_000_000))
        {
            await WaitForStatusAsync(token, id, "saving");
        }

        await WaitForStatusAsync(token, id, "queued");
        var image = await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null);
        Assert.Null(image["size"]);
        Assert.Null(image["checksum"]);
        Assert.False(File.Exists(Path.Combine(Kura.DataDirectory, "blobs", "images", id)));
        Assert.Empty(Directory.GetFiles(Path.Combine(Kura.DataDirectory, "blobs", "tmp")));

        // The image accepts a fresh upload afterwards.
        using var retry = await Kura.UploadAsync(token, id, new ByteArrayContent([7, 7, 7]));
        Assert.Equal(HttpStatusCode.NoContent, retry.StatusCode);
    }

    [Fact]
    public async Task A_body_shorter_than_its_content_length_is_rolled_back()
    {
        var token = await Kura.AdminTokenAsync();
        var id = (await Kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        using (var client = await RawUploadAsync(token, id, declaredLength: 500, sent: 100))
        {
            var stream = client.GetStream();
            client.Client.Shutdown(SocketShutdown.Send);
            // Kestrel may answer 400 or simply reset the connection; either is fine, what matters is the state after.
            var buffer = new byte[4096];
            try
            {
                while (await stream.ReadAsync(buffer) > 0)
                {
                }
            }
            catch (IOException)
            {
            }
        }

        await WaitForStatusAsync(token, id, "queued");
        Assert.False(File.Exists(Path.Combine(Kura.DataDirectory, "blobs", "images", id)));
    }

    /// <summary>Starts an upload by hand on a raw socket: declares <paramref name="declaredLength"/> bytes, sends <paramref name="sent"/>.</summary>
    private Task<TcpClient> RawUploadAsync(string token, string id, long declaredLength, int sent) => Kura.StartRawUploadAsync(token, id, declaredLength, sent);

    private async Task WaitForStatusAsync(string token, string id, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = (await Kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null))["status"]!.GetValue<string>();
            if (last == status)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"image {id} stayed {last}, expected {status}");
    }
}
