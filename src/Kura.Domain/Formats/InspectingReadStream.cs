using System.Buffers;
using Kura.Domain.Blobs;

namespace Kura.Domain.Formats;

/// <summary>
/// A pass-through stream that keeps the first <see cref="DiskFormatInspector.HeadBytes"/> and the last 512 bytes it
/// hands out, checks them against the declared disk format, and throws <see cref="ImageFormatException"/> as soon as
/// the content is known to be another format or unsafe — early, once the head is complete, when it can; at the end
/// of the stream otherwise (a VHD is recognised by its footer). Reading the end-of-stream marker is what finishes
/// the check, so a consumer that only stores data after reading to the end never stores a refused image. The head is
/// a pooled buffer, returned on disposal (only its first bytes this stream wrote are ever read).
/// </summary>
public sealed class InspectingReadStream(Stream inner, string declaredFormat) : ReadOnlyStream
{
    private const int HeadSize = DiskFormatInspector.HeadBytes;
    private byte[]? _head = ArrayPool<byte>.Shared.Rent(HeadSize);
    private readonly byte[] _tail = new byte[DiskFormatInspector.TailBytes];
    private int _headLength;
    private byte[]? _window;
    private long _windowOffset;
    private long _total;

    /// <summary>The inspection of the whole stream, once it has been read to the end.</summary>
    public InspectionResult? Result { get; private set; }

    public override long Position
    {
        get => _total;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Observe(buffer[..n]);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Observe(buffer.Span[..n]);
        return n;
    }

    private void Observe(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            if (Result is null)
            {
                var tailLength = (int)Math.Min(_total, _tail.Length);
                var tail = new byte[tailLength];
                for (var i = 0; i < tailLength; i++)
                {
                    tail[i] = _tail[(int)((_total - tailLength + i) % _tail.Length)];
                }

                Result = Check(DiskFormatInspector.Inspect(Head.AsSpan(0, _headLength), tail, _total, _window, _windowOffset));
            }

            return;
        }

        var headCompleted = false;
        if (_headLength < HeadSize)
        {
            var take = Math.Min(data.Length, HeadSize - _headLength);
            data[..take].CopyTo(Head.AsSpan(_headLength));
            _headLength += take;
            if (_headLength == HeadSize)
            {
                headCompleted = true;
                // The window lies beyond the head; this very read may already hold part of it (a read that
                // crosses the head's end), so it is set up before this read's bytes are copied into it.
                if (DiskFormatInspector.WindowFor(Head.AsSpan(0, HeadSize)) is { } window && window.Offset >= HeadSize)
                {
                    _window = new byte[window.Length];
                    _windowOffset = window.Offset;
                }
            }
        }

        if (_window is not null)
        {
            // Copy the part of this chunk that falls inside the window.
            var from = Math.Max(_total, _windowOffset);
            var to = Math.Min(_total + data.Length, _windowOffset + _window.Length);
            if (from < to)
            {
                data.Slice((int)(from - _total), (int)(to - from)).CopyTo(_window.AsSpan((int)(from - _windowOffset)));
            }
        }

        // The tail is a ring buffer indexed by absolute position.
        var start = data.Length > _tail.Length ? data.Length - _tail.Length : 0;
        for (var i = start; i < data.Length; i++)
        {
            _tail[(int)((_total + i) % _tail.Length)] = data[i];
        }

        _total += data.Length;
        if (headCompleted)
        {
            var early = DiskFormatInspector.Inspect(Head.AsSpan(0, HeadSize), [], null);
            if (early.Format != "raw")
            {
                Check(early);
            }
        }
    }

    private byte[] Head => _head ?? throw new ObjectDisposedException(nameof(InspectingReadStream));

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _head, null) is { } head)
        {
            ArrayPool<byte>.Shared.Return(head);
        }

        base.Dispose(disposing);
    }

    private InspectionResult Check(InspectionResult result)
    {
        if (result.Unsafe is not null)
        {
            throw new ImageFormatException($"Image format is unsafe: {result.Unsafe}.");
        }

        if (!DiskFormatInspector.Matches(declaredFormat, result.Format))
        {
            throw new ImageFormatException($"Image disk_format is '{declaredFormat}' but its content is '{result.Format}'.");
        }

        return result;
    }

}

/// <summary>The content of an upload is not what its disk_format says, or is a format Kura refuses to store.</summary>
public sealed class ImageFormatException(string message) : Exception(message);
