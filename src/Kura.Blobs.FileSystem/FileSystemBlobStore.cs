using System.Buffers;
using System.Runtime.CompilerServices;
using Kura.Domain.Blobs;

namespace Kura.Blobs.FileSystem;

/// <summary>
/// Blobs as files under one root directory: <c>root/images/KEY</c>. A write goes to <c>root/tmp/KEY.RANDOM.part</c>,
/// is fsynced, and is renamed into place only after the whole stream was read; any failure deletes the temporary
/// file, so a reader never sees a partial image. Keys are confined to the root: <see cref="BlobKeys"/> refuses
/// anything but letters, digits, '-', '_' and '.' (and a leading '.') before a path is built.
/// </summary>
public sealed class FileSystemBlobStore : IBlobStore
{
    private const int BufferSize = 1 << 20;
    private const long FlushEvery = 64L << 20;
    private readonly string _images;
    private readonly string _tmp;

    public FileSystemBlobStore(string root)
    {
        var full = Path.GetFullPath(root);
        _images = Path.Combine(full, "images");
        _tmp = Path.Combine(full, "tmp");
        Directory.CreateDirectory(_images);
        Directory.CreateDirectory(_tmp);
    }

    /// <summary>
    /// Deletes the temporary files (<c>tmp/KEY.RANDOM.part</c>) of uploads that stopped: those whose key is not
    /// busy and that were last written before <paramref name="olderThan"/>. A live upload writes its file
    /// continually, and a node sharing this directory keeps its keys busy through its lease.
    /// </summary>
    public Task<int> DeleteAbandonedUploadsAsync(IReadOnlySet<string> busyKeys, DateTimeOffset olderThan, CancellationToken ct)
    {
        var count = 0;
        foreach (var file in new DirectoryInfo(_tmp).EnumerateFiles("*.part"))
        {
            ct.ThrowIfCancellationRequested();
            var name = file.Name[..^".part".Length];
            var dot = name.LastIndexOf('.');
            var key = dot > 0 ? name[..dot] : name;
            if (!busyKeys.Contains(key) && file.LastWriteTimeUtc < olderThan.UtcDateTime)
            {
                file.Delete();
                count++;
            }
        }

        return Task.FromResult(count);
    }

    public async Task<long> PutAsync(string key, Stream content, CancellationToken ct)
    {
        var final = PathFor(key);
        var temp = Path.Combine(_tmp, $"{key}.{Guid.NewGuid():N}.part");
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long total = 0;
        try
        {
            using (var file = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                // Dirty pages are flushed in the background every FlushEvery bytes, so the final fsync is short
                // and the disk works while the next bytes arrive.
                var flushing = Task.CompletedTask;
                long flushedAt = 0;
                while (true)
                {
                    var n = await content.ReadAtLeastAsync(buffer.AsMemory(0, BufferSize), BufferSize, throwOnEndOfStream: false, ct);
                    if (n > 0)
                    {
                        await RandomAccess.WriteAsync(file, buffer.AsMemory(0, n), total, ct);
                        total += n;
                    }

                    if (total - flushedAt >= FlushEvery && flushing.IsCompleted)
                    {
                        await flushing;
                        flushedAt = total;
                        flushing = Task.Run(() => RandomAccess.FlushToDisk(file), CancellationToken.None);
                    }

                    if (n < BufferSize)
                    {
                        break; // the source reported its end (ReadAtLeast returns short only then)
                    }
                }

                await flushing;
                RandomAccess.FlushToDisk(file);
            }

            File.Move(temp, final, overwrite: true);
            return total;
        }
        catch (IOException ex) when (IsDiskFull(ex))
        {
            TryDelete(temp);
            throw new BlobStoreFullException("No space left on the image store's device.", ex);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public Task<Stream> OpenReadAsync(string key, ByteRange? range, CancellationToken ct)
    {
        var path = PathFor(key);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            throw new BlobNotFoundException(key);
        }

        if (range is not { } r)
        {
            return Task.FromResult<Stream>(file);
        }

        file.Seek(r.From, SeekOrigin.Begin);
        return Task.FromResult<Stream>(new RangeReadStream(file, r.Length));
    }

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        File.Delete(PathFor(key));
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<BlobEntry> ListAsync([EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var file in new DirectoryInfo(_images).EnumerateFiles())
        {
            ct.ThrowIfCancellationRequested();
            yield return new BlobEntry(file.Name, file.LastWriteTimeUtc);
        }

        await Task.CompletedTask;
    }

    /// <summary>Maps a key to its file, refusing any key that could name something outside <c>root/images</c>.</summary>
    private string PathFor(string key)
    {
        BlobKeys.EnsureValid(key);
        var path = Path.GetFullPath(Path.Combine(_images, key));
        if (!path.StartsWith(_images + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Invalid blob key '{key}'.", nameof(key));
        }

        return path;
    }

    private static bool IsDiskFull(IOException ex) =>
        ex.HResult is 28 or unchecked((int)0x80070070) || ex.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Left for the start-up sweep.
        }
    }
}

/// <summary>Reads at most <paramref name="length"/> bytes of <paramref name="inner"/> from its current position.</summary>
internal sealed class RangeReadStream(Stream inner, long length) : ReadOnlyStream
{
    private long _consumed;

    private long Remaining => length - _consumed;

    public override long Length => length;

    public override long Position
    {
        get => _consumed;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        if (Remaining <= 0)
        {
            return 0;
        }

        var n = inner.Read(buffer[..(int)Math.Min(buffer.Length, Remaining)]);
        _consumed += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Remaining <= 0)
        {
            return 0;
        }

        var n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, Remaining)], cancellationToken);
        _consumed += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
