using System.Buffers;
using System.Net;
using System.Runtime.ExceptionServices;
using Kura.Domain.Blobs;

namespace Kura.Blobs.Swift;

/// <summary>
/// The body of one segment: <paramref name="prefix"/>, then the source up to <paramref name="limit"/> bytes in
/// all, through one pooled buffer; no length, so it goes out with chunked transfer. Being an
/// <see cref="IStreamedBody"/>, the outbound pipeline sends it again only if none of it was read.
/// </summary>
internal sealed class SegmentContent(ReadOnlyMemory<byte> prefix, Stream source, long limit) : HttpContent, IStreamedBody
{
    private const int BufferSize = 1 << 20;

    public long Written { get; private set; }

    /// <summary>The source reported its end within this segment.</summary>
    public bool Ended { get; private set; }

    public bool Started { get; private set; }

    public ExceptionDispatchInfo? SourceError { get; private set; }

    public bool SourceFailed => SourceError is not null;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        if (Started)
        {
            throw new InvalidOperationException("A segment's source can be sent once only.");
        }

        Started = true;
        await stream.WriteAsync(prefix, cancellationToken);
        Written = prefix.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (Written < limit)
            {
                int n;
                try
                {
                    n = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(BufferSize, limit - Written)), cancellationToken);
                }
                catch (Exception ex)
                {
                    SourceError = ExceptionDispatchInfo.Capture(ex);
                    throw;
                }

                if (n == 0)
                {
                    Ended = true;
                    return;
                }

                await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                Written += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
