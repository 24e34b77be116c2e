using System.Diagnostics;
using System.IO.Pipelines;
using Kura.Domain.Blobs;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Kura.Api.Operations;

/// <summary>
/// Counts every request for <see cref="KuraMetrics"/>: its route template (never the raw path, so ids and appkeys
/// do not become labels), final status, duration and body bytes. Sits outside the error mapper, so it sees the
/// status the client got.
/// </summary>
public sealed class MetricsMiddleware(RequestDelegate next, KuraMetrics metrics)
{
    public async Task InvokeAsync(HttpContext ctx)
    {
        var started = Stopwatch.GetTimestamp();
        var body = new CountingReadStream(ctx.Request.Body);
        ctx.Request.Body = body;
        var original = ctx.Features.Get<IHttpResponseBodyFeature>()!;
        var written = new CountingResponseBody(original);
        ctx.Features.Set<IHttpResponseBodyFeature>(written);
        var isUpload = HttpMethods.IsPut(ctx.Request.Method) &&
                       (ctx.Request.Path.Value?.EndsWith("/file", StringComparison.Ordinal) == true || ctx.Request.Path.Value?.EndsWith("/stage", StringComparison.Ordinal) == true);
        using var upload = isUpload ? metrics.UploadStarted() : null;
        try
        {
            await next(ctx);
        }
        finally
        {
            ctx.Features.Set(original);
            var route = (ctx.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            metrics.Record(ctx.Request.Method, route, ctx.Response.StatusCode, Stopwatch.GetElapsedTime(started), body.BytesRead, written.BytesWritten);
        }
    }

    /// <summary>Passes reads through and counts them.</summary>
    private sealed class CountingReadStream(Stream inner) : ReadOnlyStream
    {
        public long BytesRead { get; private set; }

        public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        private int Count(int n)
        {
            BytesRead += n;
            return n;
        }
    }

    /// <summary>
    /// The response body as the server gives it, with every byte counted on the way: through the pipe writer (JSON),
    /// the stream (downloads) or a file send. Nothing is buffered or copied here.
    /// </summary>
    private sealed class CountingResponseBody(IHttpResponseBodyFeature inner) : IHttpResponseBodyFeature
    {
        private readonly CountingPipeWriter _writer = new(inner.Writer);
        private CountingWriteStream? _stream;
        private long _sent;

        public long BytesWritten => _writer.Count + (_stream?.Count ?? 0) + _sent;

        public Stream Stream => _stream ??= new CountingWriteStream(inner.Stream);

        public PipeWriter Writer => _writer;

        public Task CompleteAsync() => inner.CompleteAsync();

        public void DisableBuffering() => inner.DisableBuffering();

        public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
        {
            await inner.SendFileAsync(path, offset, count, cancellationToken);
            _sent += count ?? new FileInfo(path).Length - offset;
        }

        public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);
    }

    private sealed class CountingPipeWriter(PipeWriter inner) : PipeWriter
    {
        public long Count { get; private set; }

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override void Advance(int bytes)
        {
            inner.Advance(bytes);
            Count += bytes;
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            Count += source.Length;
            return inner.WriteAsync(source, cancellationToken);
        }
    }

    private sealed class CountingWriteStream(Stream inner) : Stream
    {
        public long Count { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Count += count;
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Count += buffer.Length;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            Count += buffer.Length;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
