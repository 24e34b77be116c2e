using BenchmarkDotNet.Attributes;
using Kura.Blobs.FileSystem;
using Kura.Domain.Blobs;
using Kura.Domain.Formats;

namespace Kura.Allocations;

/// <summary>
/// The streams every upload and download goes through, each moving <see cref="MiBs"/> MiB from a source that
/// allocates nothing: hashing (MD5 + SHA-512 on two workers), format inspection, both stacked as an upload stacks
/// them into the file store, and a download read back from it. What they allocate per MiB is the figure budgeted.
/// </summary>
[MemoryDiagnoser]
public class DataPathBenchmarks
{
    public const int MiBs = 64;
    private const long Length = MiBs << 20;
    private readonly byte[] _buffer = new byte[1 << 20];
    private string _root = null!;
    private FileSystemBlobStore _store = null!;
    private int _n;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _root = Directory.CreateTempSubdirectory("kura-alloc-").FullName;
        _store = new FileSystemBlobStore(_root);
        await _store.PutAsync("read-back", new PatternStream(Length), CancellationToken.None);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    private async Task<long> DrainAsync(Stream stream)
    {
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(_buffer)) > 0)
        {
            total += n;
        }

        return total;
    }

    [Benchmark]
    public async Task<string?> Hashing()
    {
        await using var hashing = new HashingReadStream(new PatternStream(Length), long.MaxValue);
        await DrainAsync(hashing);
        return hashing.Sha512Hex;
    }

    [Benchmark]
    public async Task<InspectionResult?> Inspection()
    {
        await using var inspecting = new InspectingReadStream(new PatternStream(Length), "raw");
        await DrainAsync(inspecting);
        return inspecting.Result;
    }

    /// <summary>An upload's stack: the body, hashed and inspected, written by the file store (temporary file, fsync, rename).</summary>
    [Benchmark]
    public async Task<long> UploadToFileStore()
    {
        await using var hashing = new HashingReadStream(new PatternStream(Length), long.MaxValue);
        await using var inspecting = new InspectingReadStream(hashing, "raw");
        var key = "upload-" + (_n++ % 2);
        var written = await _store.PutAsync(key, inspecting, CancellationToken.None);
        return written;
    }

    [Benchmark]
    public async Task<long> DownloadFromFileStore()
    {
        await using var stream = await _store.OpenReadAsync("read-back", null, CancellationToken.None);
        return await DrainAsync(stream);
    }
}

/// <summary>A read-only stream of <paramref name="length"/> bytes of a fixed pattern; it allocates nothing per read.</summary>
internal sealed class PatternStream(long length) : ReadOnlyStream
{
    private static readonly byte[] Pattern = Enumerable.Range(0, 4096).Select(i => (byte)(i * 31 + 7)).ToArray();
    private long _position;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, length - _position);
        for (var done = 0; done < n;)
        {
            var offset = (int)((_position + done) % Pattern.Length);
            var chunk = Math.Min(n - done, Pattern.Length - offset);
            Pattern.AsSpan(offset, chunk).CopyTo(buffer.Slice(done, chunk));
            done += chunk;
        }

        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));
}
