using Amazon.S3.Model;
using Kura.Blobs.S3;

namespace Kura.Tests.Cluster;

/// <summary>
/// Kura with its image data in an object store (the Swift server scripts/swift.sh started, through the Swift API
/// or its s3api): two nodes on PostgreSQL with no shared directory serve one cloud, and an upload cut off by its
/// client leaves nothing in the store.
/// </summary>
public sealed class ObjectStoreClusterTests : IAsyncLifetime
{
    private readonly string _container = SwiftServer.NewContainerName();
    private readonly List<IAsyncDisposable> _nodes = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await SwiftServer.DropAsync(_container);
    }

    [Fact]
    public async Task Two_nodes_with_no_local_data_serve_the_same_images_from_swift()
    {
        var (database, connectionString) = await PostgresServer.CreateDatabaseAsync();
        try
        {
            // Each node has its own data directory: nothing but PostgreSQL and Swift is shared.
            var a = await KuraHost.StartNodeAsync(Directory.CreateTempSubdirectory("kura-node-a-").FullName, connectionString, SwiftServer.SwiftArgs(_container));
            _nodes.Add(a);
            var b = await KuraHost.StartNodeAsync(Directory.CreateTempSubdirectory("kura-node-b-").FullName, connectionString, SwiftServer.SwiftArgs(_container));
            _nodes.Add(b);
            var token = await a.AdminTokenAsync();
            var id = (await a.CreateImageAsync(token, new JsonObject { ["name"] = "in-swift", ["disk_format"] = "raw", ["container_format"] = "bare" }))["id"]!.GetValue<string>();
            var data = RandomNumberGenerator.GetBytes((int)(2 * SwiftServer.ChunkSize + 1234));
            using (var upload = await a.UploadAsync(token, id, new ByteArrayContent(data)))
            {
                Assert.Equal(HttpStatusCode.NoContent, upload.StatusCode);
            }

            var listed = Assert.Single((await b.SendJsonAsync(HttpMethod.Get, "v2/images?name=in-swift", token, null))["images"]!.AsArray());
            Assert.Equal("active", listed!["status"]!.GetValue<string>());
            using (var download = await b.SendAsync(HttpMethod.Get, $"v2/images/{id}/file", token, null))
            {
                Assert.Equal(data, await download.Content.ReadAsByteArrayAsync());
            }

            Assert.Equal([id], await SwiftServer.ListAsync(_container));
            Assert.Equal(3, (await SwiftServer.ListAsync(_container + "_segments")).Count);
            Assert.DoesNotContain(Directory.GetFiles(a.DataDirectory, "*", SearchOption.AllDirectories), f => f.Contains(id, StringComparison.Ordinal));

            using (var deleted = await b.SendAsync(HttpMethod.Delete, $"v2/images/{id}", token, null))
            {
                Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            }

            using (var gone = await a.SendAsync(HttpMethod.Get, $"v2/images/{id}", token, null))
            {
                Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            }

            Assert.Empty(await SwiftServer.ListAsync(_container));
            Assert.Empty(await SwiftServer.ListAsync(_container + "_segments"));
        }
        finally
        {
            foreach (var node in _nodes)
            {
                await node.DisposeAsync();
            }

            _nodes.Clear();
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    [Theory]
    [InlineData("Swift")]
    [InlineData("S3")]
    public async Task A_client_that_disconnects_mid_upload_leaves_no_object_no_segments_and_no_multipart_upload(string backend)
    {
        var kura = await KuraHost.StartAsync(null, backend == "Swift" ? SwiftServer.SwiftArgs(_container) : SwiftServer.S3Args(_container));
        _nodes.Add(kura);
        var token = await kura.AdminTokenAsync();
        var id = (await kura.CreateImageAsync(token))["id"]!.GetValue<string>();
        // More than one segment or part has reached the store when the client goes away.
        using (await kura.StartRawUploadAsync(token, id, declaredLength: 40 << 20, sent: (int)(2 * SwiftServer.ChunkSize) + 1000))
        {
            await kura.WaitForStatusAsync(token, id, "saving");
            await Task.Delay(500);
        }

        await kura.WaitForStatusAsync(token, id, "queued", TimeSpan.FromSeconds(20));
        Assert.Empty(await SwiftServer.ListAsync(_container));
        if (backend == "Swift")
        {
            Assert.Empty(await SwiftServer.ListAsync(_container + "_segments"));
        }
        else
        {
            using var s3 = new S3BlobStore(SwiftServer.S3Options(_container));
            var uploads = await s3.Client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = _container });
            Assert.Empty(uploads.MultipartUploads ?? []);
            Assert.Empty(await SwiftServer.ListAsync(_container + "+segments"));
        }

        using var retry = await kura.UploadAsync(token, id, new ByteArrayContent([7, 7, 7]));
        Assert.Equal(HttpStatusCode.NoContent, retry.StatusCode);
    }
}
