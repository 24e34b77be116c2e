using System.Security.Cryptography;
using Amazon.S3.Model;
using Kura.Blobs.FileSystem;
using Kura.Blobs.S3;
using Kura.Blobs.Swift;
using Kura.Domain.Blobs;
using Kura.Tests.Support;
using ByteRange = Kura.Domain.Blobs.ByteRange;

namespace Kura.Tests.Storage;

public sealed class FileSystemBlobStoreTests : BlobStoreConformance
{
    private readonly string _root = Directory.CreateTempSubdirectory("kura-blobs-").FullName;
    private FileSystemBlobStore _store = null!;

    protected override IBlobStore Store => _store;

    protected override long ChunkSize => 1 << 20;

    public override Task InitializeAsync()
    {
        _store = new FileSystemBlobStore(_root);
        return Task.CompletedTask;
    }

    public override Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    protected override Task<List<string>> LeftoversAsync() =>
        Task.FromResult(Directory.GetFiles(Path.Combine(_root, "tmp")).Select(f => Path.GetFileName(f)!).ToList());

    protected override Task CreateAbandonedUploadAsync(string key)
    {
        File.WriteAllBytes(Path.Combine(_root, "tmp", $"{key}.{Guid.NewGuid():N}.part"), [1]);
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("..")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    [InlineData("/etc/passwd")]
    [InlineData("a\\b")]
    [InlineData("")]
    [InlineData("a\0b")]
    [InlineData("%2e%2e")]
    public async Task Keys_that_could_escape_the_root_are_refused(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _store.PutAsync(key, new MemoryStream([1]), CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.OpenReadAsync(key, null, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.DeleteAsync(key, CancellationToken.None));
        Assert.Empty(Directory.GetFiles(_root, "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(_root)!, "escape"));
    }

    [Fact]
    public async Task The_sweep_goes_by_each_temporary_file_s_last_write()
    {
        var tmp = Path.Combine(_root, "tmp");
        var old = DateTime.UtcNow.AddMinutes(-10);
        foreach (var name in new[] { "gone.123.part", "gone.staging.456.part", "busy.789.part" })
        {
            File.WriteAllBytes(Path.Combine(tmp, name), [1]);
            File.SetLastWriteTimeUtc(Path.Combine(tmp, name), old);
        }

        File.WriteAllBytes(Path.Combine(tmp, "recent.1.part"), [1]);

        Assert.Equal(2, await _store.DeleteAbandonedUploadsAsync(new HashSet<string> { "busy" }, DateTimeOffset.UtcNow.AddMinutes(-1), CancellationToken.None));
        Assert.Equal(["busy.789.part", "recent.1.part"], Directory.GetFiles(tmp).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}

/// <summary>Swift (tempauth) on the server scripts/swift.sh started, in containers of this test's own, 5 MiB segments.</summary>
public sealed class SwiftBlobStoreTests() : ObjectStoreConformance<SwiftBlobStore>(name => new SwiftBlobStore(SwiftServer.SwiftOptions(name)))
{
    /// <summary>Segments no manifest names (those of a complete blob belong to it).</summary>
    protected override async Task<List<string>> LeftoversAsync()
    {
        var left = new List<string>();
        foreach (var segment in await SwiftServer.ListAsync(Typed.SegmentContainer))
        {
            var parts = segment.Split('/');
            if (await SwiftServer.ObjectMetaAsync(Name, parts[0], "Kura-Upload") != parts[1])
            {
                left.Add(segment);
            }
        }

        return left;
    }

    protected override async Task CreateAbandonedUploadAsync(string key)
    {
        // What a node that died mid-upload leaves: segments of an upload no manifest names.
        using var http = new HttpClient();
        var (token, storage) = await TokenAsync(http);
        var upload = Guid.NewGuid().ToString("N");
        foreach (var index in new[] { "00000000", "00000001" })
        {
            using var put = new HttpRequestMessage(HttpMethod.Put, $"{storage}/{Typed.SegmentContainer}/{key}/{upload}/{index}") { Content = new ByteArrayContent([1, 2]) };
            put.Headers.Add("X-Auth-Token", token);
            using var response = await http.SendAsync(put);
            response.EnsureSuccessStatusCode();
        }
    }

    [Fact]
    public async Task A_large_blob_is_a_static_large_object_whose_segments_its_delete_removes()
    {
        var data = RandomNumberGenerator.GetBytes((int)(2 * ChunkSize + 10));
        await Typed.PutAsync("slo", new MemoryStream(data), CancellationToken.None);
        Assert.Equal(3, (await SwiftServer.ListAsync(Typed.SegmentContainer)).Count);
        Assert.Empty(await LeftoversAsync());
        Assert.Equal(["slo"], await SwiftServer.ListAsync(Name));
        await Typed.DeleteAsync("slo", CancellationToken.None);
        Assert.Empty(await SwiftServer.ListAsync(Typed.SegmentContainer));
        Assert.Empty(await SwiftServer.ListAsync(Name));
    }

    private static async Task<(string Token, string StorageUrl)> TokenAsync(HttpClient http)
    {
        var options = SwiftServer.SwiftOptions("unused");
        using var auth = new HttpRequestMessage(HttpMethod.Get, options.AuthUrl);
        auth.Headers.Add("X-Auth-User", options.User);
        auth.Headers.Add("X-Auth-Key", options.Key);
        using var response = await http.SendAsync(auth);
        return (response.Headers.GetValues("X-Auth-Token").Single(), response.Headers.GetValues("X-Storage-Url").Single());
    }
}

/// <summary>S3 through Swift's s3api middleware on the server scripts/swift.sh started, a bucket of this test's own, 5 MiB parts.</summary>
public sealed class S3BlobStoreTests() : ObjectStoreConformance<S3BlobStore>(name => new S3BlobStore(SwiftServer.S3Options(name)))
{
    /// <summary>Open multipart uploads (s3api deletes an aborted upload's parts with it).</summary>
    protected override async Task<List<string>> LeftoversAsync()
    {
        var uploads = await Typed.Client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = Name });
        return [.. (uploads.MultipartUploads ?? []).Select(u => u.Key)];
    }

    protected override async Task CreateAbandonedUploadAsync(string key)
    {
        var upload = await Typed.Client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = Name, Key = key });
        await Typed.Client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = Name,
            Key = key,
            UploadId = upload.UploadId,
            PartNumber = 1,
            InputStream = new MemoryStream(new byte[100]),
            UseChunkEncoding = false,
        });
    }
}

/// <summary>A Swift or S3 store in a container or bucket of the test's own, dropped with everything in it afterwards.</summary>
public abstract class ObjectStoreConformance<TStore>(Func<string, TStore> create) : BlobStoreConformance
    where TStore : IBlobStore, IDisposable
{
    protected string Name { get; } = SwiftServer.NewContainerName();

    protected TStore Typed { get; private set; } = default!;

    protected override IBlobStore Store => Typed;

    protected override long ChunkSize => SwiftServer.ChunkSize;

    public override Task InitializeAsync()
    {
        Typed = create(Name);
        return Task.CompletedTask;
    }

    public override async Task DisposeAsync()
    {
        Typed.Dispose();
        await SwiftServer.DropAsync(Name);
    }
}

/// <summary>
/// The blob contract (<see cref="IBlobStore"/>) on every backend: not-found, idempotent delete, ranges, payloads
/// larger than any buffer and than a segment or part, non-seekable input, failing and cancelled sources that leave
/// nothing (no temporary file, segment or open multipart upload), listing, and the sweep of abandoned uploads.
/// </summary>
public abstract class BlobStoreConformance : IAsyncLifetime
{
    protected abstract IBlobStore Store { get; }

    /// <summary>The backend's unit of writing: its buffer, segment or part size.</summary>
    protected abstract long ChunkSize { get; }

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    /// <summary>Remains of uploads in the store: temporary files, segments, open multipart uploads.</summary>
    protected abstract Task<List<string>> LeftoversAsync();

    /// <summary>Leaves what an upload of <paramref name="key"/> on a node that died would leave.</summary>
    protected abstract Task CreateAbandonedUploadAsync(string key);

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }

    private async Task<byte[]> ReadAsync(string key, long from, long to) =>
        await ReadAllAsync(await Store.OpenReadAsync(key, new ByteRange(from, to), CancellationToken.None));

    [Fact]
    public async Task Writes_reads_and_ranges_a_payload_larger_than_any_buffer_and_any_segment()
    {
        var data = RandomNumberGenerator.GetBytes((int)(2 * ChunkSize + 3));
        Assert.Equal(data.Length, await Store.PutAsync("abc", new NonSeekableStream(data, 100_003), CancellationToken.None));
        Assert.Equal(data, await ReadAllAsync(await Store.OpenReadAsync("abc", null, CancellationToken.None)));
        Assert.Equal(data[..1], await ReadAsync("abc", 0, 0));
        Assert.Equal(data[^1..], await ReadAsync("abc", data.Length - 1, data.Length - 1));
        Assert.Equal(data[1000..2001], await ReadAsync("abc", 1000, 2000));
        var boundary = (int)ChunkSize;
        Assert.Equal(data[(boundary - 5)..(boundary + 5)], await ReadAsync("abc", boundary - 5, boundary + 4));
        Assert.Equal(data[(boundary - 1)..(2 * boundary + 2)], await ReadAsync("abc", boundary - 1, 2 * boundary + 1));
        Assert.Equal(["abc"], await Store.ListAsync(CancellationToken.None).Select(b => b.Key).ToListAsync());
        Assert.Empty(await LeftoversAsync());
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 1)]
    [InlineData(0, (1 << 20) - 1)]
    [InlineData(0, 1 << 20)]
    [InlineData(1, -1)]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    public async Task Payloads_at_every_boundary_round_trip(int chunks, int plus)
    {
        var data = RandomNumberGenerator.GetBytes((int)(chunks * ChunkSize) + plus);
        Assert.Equal(data.Length, await Store.PutAsync("edge", new NonSeekableStream(data, 100_003), CancellationToken.None));
        Assert.Equal(data, await ReadAllAsync(await Store.OpenReadAsync("edge", null, CancellationToken.None)));
        Assert.Empty(await LeftoversAsync());
    }

    [Fact]
    public async Task Missing_blobs_are_not_found_and_delete_is_idempotent()
    {
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync("nothing", null, CancellationToken.None));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync("nothing", new ByteRange(0, 0), CancellationToken.None));
        await Store.DeleteAsync("never-written", CancellationToken.None);
        await Store.PutAsync("gone", new MemoryStream([1]), CancellationToken.None);
        await Store.DeleteAsync("gone", CancellationToken.None);
        await Store.DeleteAsync("gone", CancellationToken.None);
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync("gone", null, CancellationToken.None));
        Assert.Empty(await Store.ListAsync(CancellationToken.None).ToListAsync());
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData(".hidden")]
    public async Task Keys_that_are_not_plain_names_are_refused(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.PutAsync(key, new MemoryStream([1]), CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.OpenReadAsync(key, null, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task A_failing_source_leaves_neither_the_blob_nor_any_remains_and_its_error_reaches_the_caller()
    {
        await Store.PutAsync("keep", new MemoryStream([1, 2, 3]), CancellationToken.None);
        var error = await Assert.ThrowsAsync<IOException>(() => Store.PutAsync("keep", new FailingStream(ChunkSize + (3 << 20)), CancellationToken.None));
        Assert.Equal("source broke", error.Message);
        Assert.Equal(new byte[] { 1, 2, 3 }, await ReadAllAsync(await Store.OpenReadAsync("keep", null, CancellationToken.None)));

        await Assert.ThrowsAsync<IOException>(() => Store.PutAsync("new", new FailingStream(100), CancellationToken.None));
        await Assert.ThrowsAsync<IOException>(() => Store.PutAsync("new", new FailingStream(2 * ChunkSize + 5), CancellationToken.None));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync("new", null, CancellationToken.None));
        Assert.Equal(["keep"], await Store.ListAsync(CancellationToken.None).Select(b => b.Key).ToListAsync());
        Assert.Empty(await LeftoversAsync());
    }

    [Fact]
    public async Task Cancellation_midway_leaves_nothing()
    {
        using var cts = new CancellationTokenSource();
        var source = new FailingStream(ChunkSize + (2 << 20), onLimit: cts.Cancel);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.PutAsync("cancelled", source, cts.Token));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync("cancelled", null, CancellationToken.None));
        Assert.Empty(await Store.ListAsync(CancellationToken.None).ToListAsync());
        Assert.Empty(await LeftoversAsync());
    }

    [Fact]
    public async Task The_sweep_removes_only_remains_of_abandoned_uploads_of_keys_not_busy()
    {
        var whole = RandomNumberGenerator.GetBytes((int)(ChunkSize + 7));
        await Store.PutAsync("whole", new MemoryStream(whole), CancellationToken.None);
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);
        foreach (var key in new[] { "gone", "gone.staging", "busy" })
        {
            await CreateAbandonedUploadAsync(key);
        }

        // Nothing is older than a minute ago yet.
        Assert.Equal(0, await Store.DeleteAbandonedUploadsAsync(new HashSet<string>(), before, CancellationToken.None));
        var left = await LeftoversAsync();
        Assert.Contains(left, l => l.StartsWith("gone", StringComparison.Ordinal));

        Assert.Equal(2, await Store.DeleteAbandonedUploadsAsync(new HashSet<string> { "busy" }, DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None));
        left = await LeftoversAsync();
        Assert.DoesNotContain(left, l => l.StartsWith("gone", StringComparison.Ordinal));
        Assert.Contains(left, l => l.StartsWith("busy", StringComparison.Ordinal));

        // A complete blob is never the remains of an upload.
        Assert.Equal(whole, await ReadAllAsync(await Store.OpenReadAsync("whole", null, CancellationToken.None)));
        Assert.Equal(["whole"], await Store.ListAsync(CancellationToken.None).Select(b => b.Key).ToListAsync());
    }

    /// <summary>Yields zeros up to <paramref name="limit"/> bytes, then fails (or calls <paramref name="onLimit"/> and keeps going).</summary>
    private sealed class FailingStream(long limit, Action? onLimit = null) : ReadOnlyTestStream
    {
        private long _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= limit)
            {
                if (onLimit is null)
                {
                    throw new IOException("source broke");
                }

                onLimit();
            }

            var n = Math.Min(count, 65536);
            Array.Clear(buffer, offset, n);
            _position += n;
            return n;
        }
    }
}
