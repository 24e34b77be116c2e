using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Kura.Domain.Blobs;

namespace Kura.Blobs.Swift;

/// <summary>
/// Swift's v1 API over one <see cref="HttpClient"/>: authentication (tempauth or Keystone, again once on a 401),
/// requests relative to the storage URL, container listings, and the mapping of Swift's errors. Retrying transient
/// failures is the client's handlers' (Kura.Server's outbound pipeline), not this class's.
/// </summary>
internal sealed class SwiftClient : IDisposable
{
    private readonly SwiftOptions _options;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _authLock = new(1, 1);
    private Session? _session;

    /// <summary>
    /// Over <paramref name="http"/>, whose handlers bound each request (the host's outbound pipeline: timeouts, retries
    /// of what is safe to repeat, a circuit breaker); its <see cref="HttpClient.Timeout"/> should be infinite, since a
    /// segment PUT lasts as long as the upload.
    /// </summary>
    public SwiftClient(SwiftOptions options, HttpClient http)
    {
        _options = options;
        _http = http;
    }

    public void Dispose() => _http.Dispose();

    public static string ObjectPath(string container, string name) =>
        Uri.EscapeDataString(container) + "/" + string.Join('/', name.Split('/').Select(Uri.EscapeDataString));

    public async IAsyncEnumerable<(string Name, DateTimeOffset Modified)> ListContainerAsync(string container, string prefix, [EnumeratorCancellation] CancellationToken ct)
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

    /// <summary>
    /// Sends a request built by <paramref name="build"/> (relative to the storage URL); authenticates again once on
    /// 401. Swift unreachable is a <see cref="BlobStoreUnavailableException"/>.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, CancellationToken ct, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        var session = await SessionAsync(null, ct);
        for (var attempt = 0; ; attempt++)
        {
            using var request = build();
            request.RequestUri = new Uri(session.StorageUrl, request.RequestUri!.OriginalString);
            request.Headers.Add("X-Auth-Token", session.Token);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, completion, ct);
            }
            catch (Exception ex) when (Unreachable(ex, ct))
            {
                throw new BlobStoreUnavailableException($"Swift did not answer {request.Method} {request.RequestUri.AbsolutePath}: {ex.Message}", ex);
            }

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
    public async Task<HttpResponseMessage> SendStreamingAsync(string path, SegmentContent content, CancellationToken ct)
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
            catch (Exception ex) when (Unreachable(ex, ct))
            {
                throw new BlobStoreUnavailableException($"Swift did not answer PUT {path}: {ex.Message}", ex);
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
        catch (Exception ex) when (Unreachable(ex, ct))
        {
            throw new BlobStoreUnavailableException($"Swift's authentication at {_options.AuthUrl} did not answer: {ex.Message}", ex);
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
    public static async Task EnsureStoredAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.InsufficientStorage)
        {
            throw new BlobStoreFullException($"Swift refused the write ({(int)response.StatusCode}): {await BodyAsync(response, ct)}");
        }

        await EnsureSuccessAsync(response, ct);
    }

    /// <summary>A connection that failed or timed out, or an answer that broke off, as opposed to our caller giving up.</summary>
    private static bool Unreachable(Exception ex, CancellationToken ct) =>
        (ex is HttpRequestException { StatusCode: null } or IOException or System.Net.Sockets.SocketException) || (ex is TaskCanceledException && !ct.IsCancellationRequested);

    /// <summary>A 2xx, else an HttpRequestException with Swift's status; a 5xx (Swift failing) is a <see cref="BlobStoreUnavailableException"/>.</summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if ((int)response.StatusCode >= 500)
        {
            var failed = response.RequestMessage;
            throw new BlobStoreUnavailableException($"Swift answered {(int)response.StatusCode} to {failed?.Method} {failed?.RequestUri?.AbsolutePath}: {await BodyAsync(response, ct)}");
        }

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
}
