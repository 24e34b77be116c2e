using System.Security.Cryptography;

namespace Kura.Domain.Blobs;

/// <summary>
/// A read-only pass-through stream that counts bytes, enforces a size cap, and feeds every byte it hands out
/// to MD5 (Glance's <c>checksum</c>) and SHA-512 (<c>os_hash_value</c>) in the same pass. Nothing is buffered
/// beyond the caller's own read buffer.
/// </summary>
public sealed class HashingReadStream(Stream inner, long maxBytes) : Stream
{
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private readonly IncrementalHash _sha512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
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
        var n = inner.Read(buffer);
        Account(buffer[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Account(buffer.Span[..n]);
        return n;
    }

    private void Account(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0)
        {
            if (!_finished)
            {
                _finished = true;
                Md5Hex = Convert.ToHexStringLower(_md5.GetHashAndReset());
                Sha512Hex = Convert.ToHexStringLower(_sha512.GetHashAndReset());
            }

            return;
        }

        BytesRead += data.Length;
        if (BytesRead > maxBytes)
        {
            throw new ImageTooLargeException(maxBytes);
        }

        _md5.AppendData(data);
        _sha512.AppendData(data);
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
            _md5.Dispose();
            _sha512.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>The upload exceeded the configured per-image size cap.</summary>
public sealed class ImageTooLargeException(long cap) : Exception($"Image exceeds the storage limit of {cap} bytes.")
{
    public long Cap { get; } = cap;
}
