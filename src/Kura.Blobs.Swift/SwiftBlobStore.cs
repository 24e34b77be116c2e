using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text;
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
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _authLock = new(1, 1);
    private readonly string _container;
    private readonly string _segments;
    private Session? _session;
    private readonly OnceUntilDone _containers;

    public SwiftBlobStore(SwiftOptions options, HttpMessageHandler? handler = null)
    {
        _options = options;
        _container = options.Container;
        _segments = options.SegmentContainerName;
        _containers = new OnceUntilDone(CreateContainersAsync);
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AutomaticDecompression = DecompressionMethods.None })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public string Container => _container;

    public string SegmentContainer => _segments;

    public void Dispose() => _http.Dispose();

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
                using var small = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, ObjectPath(_container, key)) { Content = new ByteArrayContent(buffer, 0, n) }, ct);
                await EnsureStoredAsync(small, ct);
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
                using (var response = await SendStreamingAsync(ObjectPath(_segments, name), segment, ct))
                {
                    await EnsureStoredAsync(response, ct);
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

            using var manifest = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, ObjectPath(_container, key) + "?multipart-manifest=put")
            {
                Content = new ByteArrayContent(Manifest(segments)),
                Headers = { { UploadHeader, upload } },
            }, ct);
            await EnsureStoredAsync(manifest, ct);
            return total;
        }
        catch
        {
            await DeleteSegmentsAsync($"{key}/{upload}/", CancellationToken.None);
            throw;
        }
    }

    private static byte[] Manifest(List<(string Path, string? Etag, long Size)> segments)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartArray();
            foreach (var (path, etag, size) in segments)
            {
                json.WriteStartObject();
                json.WriteString("path", path);
                if (etag is null)
                {
                    json.WriteNull("etag");
                }
                else
                {
                    json.WriteString("etag", etag);
                }

                json.WriteNumber("size_bytes", size);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return output.WrittenSpan.ToArray();
    }

    public async Task<Stream> OpenReadAsync(string key, ByteRange? range, CancellationToken ct)
    {
        BlobKeys.EnsureValid(key);
        var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, ObjectPath(_container, key));
            if (range is { } r)
            {
                request.Headers.Range = new RangeHeaderValue(r.From, r.To);
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
            await EnsureSuccessAsync(response, ct);
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
        using var head = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, ObjectPath(_container, key)), ct);
        if (head.StatusCode == HttpStatusCode.NotFound)
        {
            return;
        }

        await EnsureSuccessAsync(head, ct);
        var large = head.Headers.TryGetValues("X-Static-Large-Object", out var slo) && slo.Any(v => v.Equals("true", StringComparison.OrdinalIgnoreCase));
        using var delete = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Delete, ObjectPath(_container, key) + (large ? "?multipart-manifest=delete" : ""));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            return request;
        }, ct);
        if (delete.StatusCode != HttpStatusCode.NotFound)
        {
            await EnsureSuccessAsync(delete, ct);
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
        await foreach (var (name, modified) in ListContainerAsync(_container, "", ct))
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
        await foreach (var (name, modified) in ListContainerAsync(_segments, "", ct))
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

            using (var head = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, ObjectPath(_container, key)), ct))
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
            await foreach (var (name, _) in ListContainerAsync(_segments, prefix, ct))
            {
                names.Add(name);
            }

            foreach (var name in names)
            {
                using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, ObjectPath(_segments, name)), ct);
                if (response.StatusCode != HttpStatusCode.NotFound)
                {
                    await EnsureSuccessAsync(response, ct);
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // Left for the start-up sweep.
        }
    }

    private async IAsyncEnumerable<(string Name, DateTimeOffset Modified)> ListContainerAsync(string container, string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        var marker = "";
        while (true)
        {
            var query = $"?format=json&limit=10000&prefix={Uri.EscapeDataString(prefix)}&marker={Uri.EscapeDataString(marker)}";
            using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Uri.EscapeDataString(container) + query), ct);
            await EnsureSuccessAsync(response, ct);
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                yield break;
            }

            using var page = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct));
            var any = false;
            foreach (var entry in page.RootElement.EnumerateArray())
            {
                any = true;
                marker = entry.GetProperty("name").GetString()!;
                var modified = DateTime.Parse(entry.GetProperty("last_modified").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
                yield return (marker, new DateTimeOffset(modified, TimeSpan.Zero));
            }

            if (!any)
            {
                yield break;
            }
        }
    }

    // ---- HTTP, auth and containers --------------------------------------------------------------------------

    private static string ObjectPath(string container, string name) =>
        Uri.EscapeDataString(container) + "/" + string.Join('/', name.Split('/').Select(Uri.EscapeDataString));

    private Task EnsureContainersAsync(CancellationToken ct) => _containers.RunAsync(ct);

    private async Task CreateContainersAsync(CancellationToken ct)
    {
        foreach (var container in new[] { _container, _segments })
        {
            using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, Uri.EscapeDataString(container)), ct);
            await EnsureSuccessAsync(response, ct);
        }
    }

    /// <summary>Sends a request built by <paramref name="build"/> (relative to the storage URL); authenticates again once on 401.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, CancellationToken ct, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        var session = await SessionAsync(null, ct);
        for (var attempt = 0; ; attempt++)
        {
            using var request = build();
            request.RequestUri = new Uri(session.StorageUrl, request.RequestUri!.OriginalString);
            request.Headers.Add("X-Auth-Token", session.Token);
            var response = await _http.SendAsync(request, completion, ct);
            if (response.StatusCode != HttpStatusCode.Unauthorized || attempt > 0)
            {
                return response;
            }

            response.Dispose();
            session = await SessionAsync(session, ct);
        }
    }

    /// <summary>
    /// PUTs a segment whose body streams from the source. <c>Expect: 100-continue</c> lets a 401 arrive before any
    /// byte is sent, so the request can be repeated with a new token; a failure of the source is rethrown as itself.
    /// </summary>
    private async Task<HttpResponseMessage> SendStreamingAsync(string path, SegmentContent content, CancellationToken ct)
    {
        var session = await SessionAsync(null, ct);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(session.StorageUrl, path)) { Content = content };
            request.Headers.Add("X-Auth-Token", session.Token);
            request.Headers.ExpectContinue = true;
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, ct);
            }
            catch (Exception) when (content.SourceError is not null)
            {
                content.SourceError.Throw();
                throw;
            }

            if (response.StatusCode != HttpStatusCode.Unauthorized || content.Started)
            {
                return response;
            }

            response.Dispose();
            session = await SessionAsync(session, ct);
        }
    }

    private async Task<Session> SessionAsync(Session? stale, CancellationToken ct)
    {
        var current = _session;
        if (current is not null && current != stale)
        {
            return current;
        }

        await _authLock.WaitAsync(ct);
        try
        {
            if (_session is not null && _session != stale)
            {
                return _session;
            }

            _session = _options.AuthType == "Keystone" ? await KeystoneAsync(ct) : await TempAuthAsync(ct);
            return _session;
        }
        finally
        {
            _authLock.Release();
        }
    }

    private async Task<Session> TempAuthAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _options.AuthUrl);
        request.Headers.Add("X-Auth-User", _options.User);
        request.Headers.Add("X-Auth-Key", _options.Key);
        using var response = await _http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"Swift tempauth at {_options.AuthUrl} refused user '{_options.User}' ({(int)response.StatusCode}).", null, response.StatusCode);
        }

        var token = response.Headers.TryGetValues("X-Auth-Token", out var t) ? t.First() : throw new HttpRequestException("Swift tempauth returned no X-Auth-Token.");
        var url = _options.StorageUrl ?? (response.Headers.TryGetValues("X-Storage-Url", out var u) ? u.First() : throw new HttpRequestException("Swift tempauth returned no X-Storage-Url."));
        return new Session(AsBase(url), token);
    }

    private async Task<Session> KeystoneAsync(CancellationToken ct)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            auth = new
            {
                identity = new { methods = new[] { "password" }, password = new { user = new { name = _options.User, domain = new { name = _options.UserDomainName }, password = _options.Key } } },
                scope = new { project = new { name = _options.ProjectName, domain = new { name = _options.ProjectDomainName } } },
            },
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.AuthUrl.TrimEnd('/') + "/auth/tokens") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"Keystone at {_options.AuthUrl} refused user '{_options.User}' ({(int)response.StatusCode}).", null, response.StatusCode);
        }

        var token = response.Headers.TryGetValues("X-Subject-Token", out var t) ? t.First() : throw new HttpRequestException("Keystone returned no X-Subject-Token.");
        var url = _options.StorageUrl;
        if (url is null)
        {
            using var document = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct));
            url = document.RootElement.GetProperty("token").GetProperty("catalog").EnumerateArray()
                .Where(s => s.GetProperty("type").GetString() == "object-store")
                .SelectMany(s => s.GetProperty("endpoints").EnumerateArray())
                .Where(e => e.GetProperty("interface").GetString() == _options.Interface
                    && (string.IsNullOrEmpty(_options.Region) || e.TryGetProperty("region_id", out var region) && region.GetString() == _options.Region))
                .Select(e => e.GetProperty("url").GetString())
                .FirstOrDefault() ?? throw new HttpRequestException("Keystone's catalog has no object-store endpoint for this interface and region.");
        }

        return new Session(AsBase(url), token);
    }

    private static Uri AsBase(string url) => new(url.EndsWith('/') ? url : url + "/");

    /// <summary>Maps Swift's answers to a write: 413 (a quota) and 507 (no space) are a full store.</summary>
    private static async Task EnsureStoredAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.InsufficientStorage)
        {
            throw new BlobStoreFullException($"Swift refused the write ({(int)response.StatusCode}): {await BodyAsync(response, ct)}");
        }

        await EnsureSuccessAsync(response, ct);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            var request = response.RequestMessage;
            throw new HttpRequestException($"Swift answered {(int)response.StatusCode} to {request?.Method} {request?.RequestUri?.AbsolutePath}: {await BodyAsync(response, ct)}", null, response.StatusCode);
        }
    }

    private static async Task<string> BodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        return text.Length > 300 ? text[..300] : text;
    }

    private sealed record Session(Uri StorageUrl, string Token);

    /// <summary>
    /// The body of one segment: <paramref name="prefix"/>, then the source up to <paramref name="limit"/> bytes in
    /// all, through one pooled buffer; no length, so it goes out with chunked transfer.
    /// </summary>
    private sealed class SegmentContent(ReadOnlyMemory<byte> prefix, Stream source, long limit) : HttpContent
    {
        private const int BufferSize = 1 << 20;

        public long Written { get; private set; }

        /// <summary>The source reported its end within this segment.</summary>
        public bool Ended { get; private set; }

        public bool Started { get; private set; }

        public ExceptionDispatchInfo? SourceError { get; private set; }

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
}

/// <summary>A response body that disposes its response with it.</summary>
internal sealed class ResponseStream(HttpResponseMessage response, Stream inner) : ReadOnlyStream
{
    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            response.Dispose();
        }

        base.Dispose(disposing);
    }
}
