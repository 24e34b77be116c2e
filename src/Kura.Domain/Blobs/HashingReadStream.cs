using System.Buffers;
using System.Security.Cryptography;
using System.Threading.Channels;

namespace Kura.Domain.Blobs;

/// <summary>
/// A read-only pass-through stream that counts bytes, enforces a size limit, and feeds every byte it hands out to
/// MD5 (Glance's <c>checksum</c>) and SHA-512 (<c>os_hash_value</c>).
/// <para>
/// The bytes are copied into pooled 1 MiB blocks that two workers hash, one per algorithm, each on its own core.
/// Reading, the caller's own work (writing to disk) and both hashes therefore all proceed at once; at most
/// <see cref="Depth"/> blocks wait for the slower hash, which bounds memory and slows the reader when hashing is
/// the bottleneck. The hashes are final once the stream has been read to its end.
/// </para>
/// </summary>
public sealed class HashingReadStream : ReadOnlyStream
{
    private const int BlockSize = 1 << 20;
    private const int Depth = 8;

    private readonly Stream _inner;
    private readonly long _maxBytes;
    private readonly Func<long, Exception>? _tooLarge;
    private readonly Channel<Block> _md5Queue = Channel.CreateBounded<Block>(new BoundedChannelOptions(Depth) { SingleReader = true, SingleWriter = true });
    private readonly Channel<Block> _shaQueue = Channel.CreateBounded<Block>(new BoundedChannelOptions(Depth) { SingleReader = true, SingleWriter = true });
    private readonly Task<byte[]> _md5;
    private readonly Task<byte[]> _sha512;
    private byte[] _block = ArrayPool<byte>.Shared.Rent(BlockSize);
    private int _blockLength;
    private bool _finished;

    public HashingReadStream(Stream inner, long maxBytes, Func<long, Exception>? tooLarge = null)
    {
        _inner = inner;
        _maxBytes = maxBytes;
        _tooLarge = tooLarge;
        _md5 = Task.Run(() => HashAsync(_md5Queue.Reader, HashAlgorithmName.MD5));
        _sha512 = Task.Run(() => HashAsync(_shaQueue.Reader, HashAlgorithmName.SHA512));
    }

    public long BytesRead { get; private set; }

    public string? Md5Hex { get; private set; }

    public string? Sha512Hex { get; private set; }

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        var n = _inner.Read(buffer);
        if (n == 0)
        {
            FinishAsync().AsTask().GetAwaiter().GetResult();
            return 0;
        }

        var pending = Take(buffer[..n]);
        while (pending > 0)
        {
            DispatchAsync().AsTask().GetAwaiter().GetResult();
            pending = Take(buffer[(n - pending)..n]);
        }

        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (n == 0)
        {
            await FinishAsync().ConfigureAwait(false);
            return 0;
        }

        var pending = Take(buffer.Span[..n]);
        while (pending > 0)
        {
            await DispatchAsync().ConfigureAwait(false);
            pending = Take(buffer.Span[(n - pending)..n]);
        }

        return n;
    }

    /// <summary>Counts and copies as much of <paramref name="data"/> as fits in the current block; returns what is left.</summary>
    private int Take(ReadOnlySpan<byte> data)
    {
        var take = Math.Min(data.Length, BlockSize - _blockLength);
        if (take > 0)
        {
            BytesRead += take;
            if (BytesRead > _maxBytes)
            {
                throw _tooLarge?.Invoke(_maxBytes) ?? new ImageTooLargeException(_maxBytes);
            }

            data[..take].CopyTo(_block.AsSpan(_blockLength));
            _blockLength += take;
        }

        return data.Length - take;
    }

    /// <summary>Hands the full block to both hash workers (waiting while they are <see cref="Depth"/> blocks behind).</summary>
    private async ValueTask DispatchAsync()
    {
        if (_blockLength == 0)
        {
            return;
        }

        var block = new Block(_block, _blockLength);
        _block = ArrayPool<byte>.Shared.Rent(BlockSize);
        _blockLength = 0;
        await _md5Queue.Writer.WriteAsync(block).ConfigureAwait(false);
        await _shaQueue.Writer.WriteAsync(block).ConfigureAwait(false);
    }

    private async ValueTask FinishAsync()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        await DispatchAsync().ConfigureAwait(false);
        _md5Queue.Writer.TryComplete();
        _shaQueue.Writer.TryComplete();
        Md5Hex = Convert.ToHexStringLower(await _md5.ConfigureAwait(false));
        Sha512Hex = Convert.ToHexStringLower(await _sha512.ConfigureAwait(false));
    }

    private static async Task<byte[]> HashAsync(ChannelReader<Block> blocks, HashAlgorithmName algorithm)
    {
        using var hash = IncrementalHash.CreateHash(algorithm);
        await foreach (var block in blocks.ReadAllAsync().ConfigureAwait(false))
        {
            hash.AppendData(block.Bytes, 0, block.Length);
            block.Release();
        }

        return hash.GetHashAndReset();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // An abandoned copy: stop the workers and give every block back to the pool.
            _md5Queue.Writer.TryComplete();
            _shaQueue.Writer.TryComplete();
            try
            {
                Task.WaitAll(_md5, _sha512);
            }
            catch (AggregateException)
            {
            }

            ArrayPool<byte>.Shared.Return(_block);
            _block = [];
        }

        base.Dispose(disposing);
    }

    /// <summary>A block shared by the two workers; the second to finish returns it to the pool.</summary>
    private sealed class Block(byte[] bytes, int length)
    {
        private int _holders = 2;

        public byte[] Bytes => bytes;

        public int Length => length;

        public void Release()
        {
            if (Interlocked.Decrement(ref _holders) == 0)
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }
    }
}

/// <summary>The upload exceeded the per-image size cap or the project's remaining storage.</summary>
public sealed class ImageTooLargeException(long cap) : Exception($"Image exceeds the storage limit of {cap} bytes.")
{
    public long Cap { get; } = cap;
}
