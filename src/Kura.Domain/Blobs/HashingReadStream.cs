using System.Security.Cryptography;

namespace Kura.Domain.Blobs;

/// <summary>
/// A read-only pass-through stream that counts bytes, enforces a size limit, and feeds every byte it hands out to
/// MD5 (Glance's <c>checksum</c>) and SHA-512 (<c>os_hash_value</c>). Nothing is buffered beyond the caller's own
/// read buffer.
/// <para>
/// The two hashes run on their own thread-pool threads, in parallel with each other and with whatever the caller
/// does with the chunk (typically writing it to disk). They read the caller's buffer after <c>ReadAsync</c> has
/// returned, so a caller must leave the bytes of one read untouched until it calls <c>ReadAsync</c> again — which
/// is what a copy loop (read, write, read …) does. The next read waits for both hashes of the previous chunk first.
/// </para>
/// </summary>
public sealed class HashingReadStream(Stream inner, long maxBytes, Func<long, Exception>? tooLarge = null) : Stream
{
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private readonly IncrementalHash _sha512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
    private Task _pending = Task.CompletedTask;
    private bool _finished;

    public long BytesRead { get; private set; }

    public string? Md5Hex { get; private set; }

    public string? Sha512Hex { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        _pending.GetAwaiter().GetResult();
        var n = inner.Read(buffer);
        Count(n);
        if (n > 0)
        {
            _md5.AppendData(buffer[..n]);
            _sha512.AppendData(buffer[..n]);
        }
        else
        {
            Finish();
        }

        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _pending.ConfigureAwait(false);
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Count(n);
        if (n == 0)
        {
            Finish();
            return 0;
        }

        ReadOnlyMemory<byte> chunk = buffer[..n];
        _pending = Task.WhenAll(
            Task.Run(() => _md5.AppendData(chunk.Span), CancellationToken.None),
            Task.Run(() => _sha512.AppendData(chunk.Span), CancellationToken.None));
        return n;
    }

    private void Count(int n)
    {
        BytesRead += n;
        if (BytesRead > maxBytes)
        {
            throw tooLarge?.Invoke(maxBytes) ?? new ImageTooLargeException(maxBytes);
        }
    }

    private void Finish()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        Md5Hex = Convert.ToHexStringLower(_md5.GetHashAndReset());
        Sha512Hex = Convert.ToHexStringLower(_sha512.GetHashAndReset());
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // A hash may still be reading the last chunk when the copy is abandoned.
            try
            {
                _pending.GetAwaiter().GetResult();
            }
            catch (CryptographicException)
            {
            }

            _md5.Dispose();
            _sha512.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>The upload exceeded the per-image size cap or the project's remaining storage.</summary>
public sealed class ImageTooLargeException(long cap) : Exception($"Image exceeds the storage limit of {cap} bytes.")
{
    public long Cap { get; } = cap;
}
