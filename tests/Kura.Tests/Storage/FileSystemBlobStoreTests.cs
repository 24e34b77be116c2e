using System.Security.Cryptography;
using Kura.Blobs.FileSystem;
using Kura.Domain.Blobs;
using Kura.Tests.Support;

namespace Kura.Tests.Storage;

public sealed class FileSystemBlobStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kura-blobs-").FullName;
    private readonly FileSystemBlobStore _store;

    public FileSystemBlobStoreTests() => _store = new FileSystemBlobStore(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }

    [Fact]
    public async Task Writes_reads_and_ranges_a_payload_larger_than_any_buffer()
    {
        var data = RandomNumberGenerator.GetBytes(5 * 1024 * 1024 + 3);
        Assert.Equal(data.Length, await _store.PutAsync("abc", new MemoryStream(data), CancellationToken.None));
        Assert.Equal(data, await ReadAllAsync(await _store.OpenReadAsync("abc", null, CancellationToken.None)));
        Assert.Equal(data[1000..2001], await ReadAllAsync(await _store.OpenReadAsync("abc", new ByteRange(1000, 2000), CancellationToken.None)));
        Assert.Equal(data[^1..], await ReadAllAsync(await _store.OpenReadAsync("abc", new ByteRange(data.Length - 1, data.Length - 1), CancellationToken.None)));
        Assert.Equal(["abc"], await _store.ListAsync(CancellationToken.None).Select(b => b.Key).ToListAsync());
    }

    [Fact]
    public async Task Missing_blobs_are_not_found_and_delete_is_idempotent()
    {
        await Assert.ThrowsAsync<BlobNotFoundException>(() => _store.OpenReadAsync("nothing", null, CancellationToken.None));
        await _store.PutAsync("gone", new MemoryStream([1]), CancellationToken.None);
        await _store.DeleteAsync("gone", CancellationToken.None);
        await _store.DeleteAsync("gone", CancellationToken.None);
        await Assert.ThrowsAsync<BlobNotFoundException>(() => _store.OpenReadAsync("gone", null, CancellationToken.None));
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
    public async Task A_failing_source_leaves_neither_the_blob_nor_a_temporary_file()
    {
        await _store.PutAsync("keep", new MemoryStream([1, 2, 3]), CancellationToken.None);
        await Assert.ThrowsAsync<IOException>(() => _store.PutAsync("keep", new FailingStream(3 * 1024 * 1024), CancellationToken.None));
        Assert.Equal(new byte[] { 1, 2, 3 }, await ReadAllAsync(await _store.OpenReadAsync("keep", null, CancellationToken.None)));

        await Assert.ThrowsAsync<IOException>(() => _store.PutAsync("new", new FailingStream(100), CancellationToken.None));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => _store.OpenReadAsync("new", null, CancellationToken.None));
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "tmp")));
    }

    [Fact]
    public async Task Cancellation_midway_leaves_nothing()
    {
        using var cts = new CancellationTokenSource();
        var source = new FailingStream(2 * 1024 * 1024, onLimit: cts.Cancel);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.PutAsync("cancelled", source, cts.Token));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => _store.OpenReadAsync("cancelled", null, CancellationToken.None));
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "tmp")));
    }

    [Fact]
    public async Task The_sweep_removes_only_abandoned_temporary_files()
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
