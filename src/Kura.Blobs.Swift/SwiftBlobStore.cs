using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Kura.Domain.Blobs;

namespace Kura.Blobs.Swift;

/// <summary>
/// Blobs as objects of one Swift container, through the Swift v1 API with a plain <see cref="HttpClient"/>.
/// <para>
/// A write first reads up to <see cref="LookAhead"/> bytes. If the stream ends there, the blob is one PUT of those
/// bytes. Otherwise it becomes a static large object: segments of <see cref="SwiftOptions.SegmentSize"/> bytes are
/// streamed (chunked transfer, one pooled buffer, never a whole segment in memory) into the segment container as
/// <c>{key}/{uploadId}/{index}</c>, and only then the manifest is PUT at <c>{key}</c> (with the upload id in
/// <c>X-Object-Meta-Kura-Upload</c>), which makes the blob visible at once. A store cannot know a stream's length
/// before its end, and a plain PUT that turns out too large cannot become segments without re-sending bytes it no
/// longer holds; so every image above the look-ahead is a static large object, with one segment if it is small.
/// Any failure before the manifest deletes the upload's segments (a crashed node's are found by
/// <see cref="DeleteAbandonedUploadsAsync"/>: segments of an upload id that no manifest names).
/// </para>
/// </summary>
public sealed class SwiftBlobStore : IBlobStore, IDisposable
{
    /// <summary>Bytes read before deciding between a plain object and a static large object.</summary>
    public const int LookAhead = 1 << 20;

    private const string UploadHeader = "X-Object-Meta-Kura-Upload";
    private readonly SwiftOptions _options;
    private readonly SwiftClient _client;
    private readonly string _container;
    private readonly string _segments;
    private readonly OnceUntilDone _containers;

    /// <summary>A store over a plain HttpClient of <paramref name="handler"/> (a pooled <see cref="SocketsHttpHandler"/> by default): no retries, no circuit breaker.</summary>
    public SwiftBlobStore(SwiftOptions options, HttpMessageHandler? handler = null)
        : this(options, new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AutomaticDecompression = DecompressionMethods.None })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        })
    {
    }

    /// <summary>A store over <paramref name="http"/>, as the host builds it (IHttpClientFactory, with the outbound resilience pipeline); the store disposes it.</summary>
    public SwiftBlobStore(SwiftOptions options, HttpClient http)
    {
        _options = options;
        _container = options.Container;
        _segments = options.SegmentContainerName;
        _containers = new OnceUntilDone(CreateContainersAsync);
        _client = new SwiftClient(options, http);
    }

    public string Container => _container;

    public string SegmentContainer => _segments;

    public void Dispose() => _client.Dispose();

    public async Task<long> PutAsync(string key, Stream content, CancellationToken ct)
    {
        BlobKeys.EnsureValid(key);
        await EnsureContainersAsync(ct);
        var buffer = ArrayPool<byte>.Shared.Rent(LookAhead);
        try
        {
            var n = await content.ReadAtLeastAsync(buffer.AsMemory(0, LookAhead), LookAhead, throwOnEndOfStream: false, ct);
            if (n < LookAhead)
            {
                using var small = await _client.SendAsync(() => new HttpRequestMessage(HttpMethod.Put, SwiftClient.ObjectPath(_container, key)) { Content = new ByteArrayContent(buffer, 0, n) }, ct);
                await SwiftClient.EnsureStoredAsync(small, ct);
                return n;
            }

            return await PutLargeAsync(key, content, buffer.AsMemory(0, n), ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Streams the segments of a static large object, then PUTs its manifest; deletes the segments on any failure.</summary>
    private async Task<long> PutLargeAsync(string key, Stream content, ReadOnlyMemory<byte> first, CancellationToken ct)
    {
        var upload = Guid.NewGuid().ToString("N");
        var segments = new List<(string Path, string? Etag, long Size)>();
        long total = 0;
        try
        {
            var prefix = first;
            var peek = new byte[64 << 10];
            while (true)
            {
                var name = $"{key}/{upload}/{segments.Count:D8}";
                var segment = new SegmentContent(prefix, content, _options.SegmentSize);
                using (var response = await _client.SendStreamingAsync(SwiftClient.ObjectPath(_segments, name), segment, ct))
                {
                    await SwiftClient.EnsureStoredAsync(response, ct);
                    segments.Add(($"/{_segments}/{name}", response.Headers.ETag?.Tag.Trim('"'), segment.Written));
                }

                total += segment.Written;
                if (segment.Ended)
                {
                    break;
                }

                // The segment is full: does the stream go on?
                var n = await content.ReadAsync(peek, ct);
                if (n == 0)
                {
                    break;
                }

                prefix = peek.AsMemory(0, n);
            }

            using var manifest = await _client.SendAsync(() => new HttpRequestMessage(HttpMethod.Put, SwiftClient.ObjectPath(_container, key) + "?multipart-manifest=put")
            {
                Content = new ByteArrayContent(StaticLargeObject.Manifest(segments)),
                Headers = { { UploadHeader, upload } },
            }, ct);
            await SwiftClient.EnsureStoredAsync(manifest, ct);
            return total;
        }
        catch
        {
            await DeleteSegmentsAsync($"{key}/{upload}/", CancellationToken.None);
            throw;
        }
    }


    public async Task<Stream> OpenReadAsync(string key, ByteRange? range, CancellationToken ct)
    {
        BlobKeys.EnsureValid(key);
        var response = await _client.SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, SwiftClient.ObjectPath(_container, key));
            if (range is { } r)
            {
                request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(r.From, r.To);
            }

            return request;
        }, ct, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            response.Dispose();
            throw new BlobNotFoundException(key);
        }

        try
        {
            await SwiftClient.EnsureSuccessAsync(response, ct);
            if (range is not null && response.StatusCode != HttpStatusCode.PartialContent)
            {
                throw new HttpRequestException($"Swift answered {(int)response.StatusCode} to a ranged GET of '{key}'.");
            }

            return new ResponseStream(response, await response.Content.ReadAsStreamAsync(ct));
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async Task DeleteAsync(string key, CancellationToken ct)
    {
        BlobKeys.EnsureValid(key);
        await EnsureContainersAsync(ct);
        using var head = await _client.SendAsync(() => new HttpRequestMessage(HttpMethod.Head, SwiftClient.ObjectPath(_container, key)), ct);
        if (head.StatusCode == HttpStatusCode.NotFound)
        {
            return;
        }

        await SwiftClient.EnsureSuccessAsync(head, ct);
        var large = head.Headers.TryGetValues("X-Static-Large-Object", out var slo) && slo.Any(v => v.Equals("true", StringComparison.OrdinalIgnoreCase));
        using var delete = await _client.SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Delete, SwiftClient.ObjectPath(_container, key) + (large ? "?multipart-manifest=delete" : ""));
            request.Headers.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("application/json"));
            return request;
        }, ct);
        if (delete.StatusCode != HttpStatusCode.NotFound)
        {
            await SwiftClient.EnsureSuccessAsync(delete, ct);
        }

        if (large)
        {
            // The bulk delete answers 200 and reports its errors in the body.
            using var result = JsonDocument.Parse(await delete.Content.ReadAsStringAsync(ct));
            if (result.RootElement.TryGetProperty("Errors", out var errors) && errors.GetArrayLength() > 0)
            {
                throw new HttpRequestException($"Swift could not delete every segment of '{key}': {errors}");
            }
        }
    }

    public async IAsyncEnumerable<BlobEntry> ListAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await EnsureContainersAsync(ct);
        await foreach (var (name, modified) in _client.ListContainerAsync(_container, "", ct))
        {
            yield return new BlobEntry(name, modified);
        }
    }

    /// <summary>
    /// Deletes the segments of uploads that never got their manifest: segment groups <c>{key}/{uploadId}/…</c> whose
    /// key is not busy, whose newest segment is older than <paramref name="olderThan"/> and whose upload id is not
    /// the one the manifest at <c>{key}</c> names. Returns how many uploads' segments were deleted.
    /// </summary>
    public async Task<int> DeleteAbandonedUploadsAsync(IReadOnlySet<string> busyKeys, DateTimeOffset olderThan, CancellationToken ct)
    {
        await EnsureContainersAsync(ct);
        var uploads = new Dictionary<(string Key, string Upload), DateTimeOffset>();
        await foreach (var (name, modified) in _client.ListContainerAsync(_segments, "", ct))
        {
            var parts = name.Split('/');
            if (parts.Length != 3)
            {
                continue; // not ours
            }

            var id = (parts[0], parts[1]);
            uploads[id] = uploads.TryGetValue(id, out var newest) && newest > modified ? newest : modified;
        }

        var count = 0;
        foreach (var ((key, upload), newest) in uploads)
        {
            if (busyKeys.Contains(key) || newest >= olderThan)
            {
                continue;
            }

            using (var head = await _client.SendAsync(() => new HttpRequestMessage(HttpMethod.Head, SwiftClient.ObjectPath(_container, key)), ct))
            {
                if (head.Headers.TryGetValues(UploadHeader, out var live) && live.Contains(upload))
                {
                    continue; // the segments of a complete blob
                }
            }

            await DeleteSegmentsAsync($"{key}/{upload}/", ct);
            count++;
        }

        return count;
    }

    private async Task DeleteSegmentsAsync(string prefix, CancellationToken ct)
    {
        try
        {
            var names = new List<string>();
            await foreach (var (name, _) in _client.ListContainerAsync(_segments, prefix, ct))
            {
                names.Add(name);
            }

            foreach (var name in names)
            {
                using var response = await _client.SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, SwiftClient.ObjectPath(_segments, name)), ct);
                if (response.StatusCode != HttpStatusCode.NotFound)
                {
                    await SwiftClient.EnsureSuccessAsync(response, ct);
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or BlobStoreUnavailableException)
        {
            // Left for the recovery sweep.
        }
    }

    // ---- Containers ------------------------------------------------------------------------------------------

    private Task EnsureContainersAsync(CancellationToken ct) => _containers.RunAsync(ct);

    private async Task CreateContainersAsync(CancellationToken ct)
    {
        foreach (var container in new[] { _container, _segments })
        {
            using var response = await _client.SendAsync(() => new HttpRequestMessage(HttpMethod.Put, Uri.EscapeDataString(container)), ct);
            await SwiftClient.EnsureSuccessAsync(response, ct);
        }
    }
}
