using System.Net;
using System.Text.Json;
using Kura.Domain;
using Microsoft.Extensions.Logging;

namespace Kura.Identity.Keystone;

/// <summary>
/// The calls Kura makes to Keystone v3: its own service token (password, project-scoped, renewed before it expires or
/// when Keystone refuses it), token validation (<c>GET /v3/auth/tokens</c> with <c>X-Subject-Token</c>), a user's
/// password and rescoping sign-in, the user's projects, revocation. Keystone unreachable, slow (over
/// <see cref="KeystoneOptions.Timeout"/>), failing or answering nonsense is a ServiceUnavailable; no token or
/// password is ever logged. The HttpClient comes from the host (retries for transient failures are its handler's).
/// </summary>
public sealed partial class KeystoneClient(Func<HttpClient> http, KeystoneOptions options, TimeProvider clock, ILogger<KeystoneClient> logger)
{
    private const string Unavailable = "The Keystone service is temporarily unavailable.";
    private readonly SemaphoreSlim _serviceLock = new(1, 1);
    private (string Token, DateTimeOffset Expires)? _service;

    /// <summary>The token's document, or null when Keystone does not know it as valid (404; expired unless <paramref name="allowExpired"/>).</summary>
    public async Task<TokenInfo?> ValidateAsync(string token, bool allowExpired, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var service = await ServiceTokenAsync(renew: attempt > 0, ct);
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(options.V3, "auth/tokens?nocatalog" + (allowExpired ? "&allow_expired=1" : string.Empty)));
            request.Headers.TryAddWithoutValidation("X-Auth-Token", service);
            request.Headers.TryAddWithoutValidation("X-Subject-Token", token);
            using var response = await SendAsync(request, ct);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    return await ReadAsync(response, root => KeystoneTokenJson.Read(token, root), ct);
                case HttpStatusCode.NotFound or HttpStatusCode.BadRequest:
                    return null;
                case HttpStatusCode.Unauthorized when attempt == 0:
                    continue; // Kura's own token expired or was revoked: renew it once.
                default:
                    LogRefused((int)response.StatusCode, "token validation");
                    throw new KuraException(ErrorKind.ServiceUnavailable, Unavailable);
            }
        }
    }

    /// <summary>Password authentication of a user, scoped to a project by id or by name in a domain.</summary>
    public Task<IssuedToken> PasswordAsync(PasswordSignIn signIn, CancellationToken ct) => IssueAsync(new
    {
        auth = new
        {
            identity = new { methods = new[] { "password" }, password = new { user = new { name = signIn.UserName, domain = new { name = signIn.UserDomainName }, password = signIn.Password } } },
            scope = new { project = Scope(signIn.ProjectId, signIn.ProjectName, signIn.ProjectDomainName) },
        },
    }, ct);

    /// <summary>A token for <paramref name="projectId"/> from a valid token of the same user (Keystone's token method).</summary>
    public Task<IssuedToken> RescopeAsync(string token, string projectId, CancellationToken ct) => IssueAsync(new
    {
        auth = new { identity = new { methods = new[] { "token" }, token = new { id = token } }, scope = new { project = new { id = projectId } } },
    }, ct);

    /// <summary>The projects the token's user may scope to (<c>GET /v3/auth/projects</c>).</summary>
    public async Task<IReadOnlyList<Project>> ProjectsAsync(string token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(options.V3, "auth/projects"));
        request.Headers.TryAddWithoutValidation("X-Auth-Token", token);
        using var response = await SendAsync(request, ct);
        return response.StatusCode switch
        {
            HttpStatusCode.OK => await ReadAsync(response, KeystoneTokenJson.ReadProjects, ct),
            HttpStatusCode.Unauthorized or HttpStatusCode.NotFound => throw IdentityService.Unauthorized(),
            _ => throw Refused(response.StatusCode, "project list"),
        };
    }

    /// <summary>Revokes a token with itself (a user may revoke their own token).</summary>
    public async Task RevokeAsync(string token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(options.V3, "auth/tokens"));
        request.Headers.TryAddWithoutValidation("X-Auth-Token", token);
        request.Headers.TryAddWithoutValidation("X-Subject-Token", token);
        using var response = await SendAsync(request, ct);
        if (response.StatusCode is not (HttpStatusCode.NoContent or HttpStatusCode.NotFound or HttpStatusCode.Unauthorized))
        {
            throw Refused(response.StatusCode, "token revocation");
        }
    }

    private static object Scope(string? id, string? name, string domainName) =>
        id is not null ? new { id } : new { name, domain = new { name = domainName } };

    private async Task<IssuedToken> IssueAsync(object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.V3, "auth/tokens?nocatalog"))
        {
            // With a length: Keystone under uwsgi does not read a chunked body.
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body)) { Headers = { ContentType = new("application/json") } },
        };
        using var response = await SendAsync(request, ct);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.NotFound or HttpStatusCode.BadRequest or HttpStatusCode.Forbidden)
        {
            throw IdentityService.Unauthorized();
        }

        if (response.StatusCode != HttpStatusCode.Created || !response.Headers.TryGetValues("X-Subject-Token", out var values) || values.FirstOrDefault() is not { Length: > 0 } secret)
        {
            throw Refused(response.StatusCode, "sign-in");
        }

        var info = await ReadAsync(response, root => KeystoneTokenJson.Read(secret, root), ct);
        return new IssuedToken(secret, info);
    }

    /// <summary>Kura's own token, from the cache while it has more than a minute left.</summary>
    private async Task<string> ServiceTokenAsync(bool renew, CancellationToken ct)
    {
        var stale = _service;
        if (!renew && stale is { } s && s.Expires > clock.GetUtcNow().AddMinutes(1))
        {
            return s.Token;
        }

        await _serviceLock.WaitAsync(ct);
        try
        {
            if (_service is { } current && !ReferenceEquals(current.Token, stale?.Token) && current.Expires > clock.GetUtcNow().AddMinutes(1))
            {
                return current.Token; // another request renewed it meanwhile
            }

            IssuedToken issued;
            try
            {
                issued = await PasswordAsync(new PasswordSignIn(options.Username, options.UserDomainName, options.Password, null, options.ProjectName, options.ProjectDomainName), ct);
            }
            catch (KuraException ex) when (ex.Kind == ErrorKind.Unauthorized)
            {
                LogServiceUserRefused(options.Username);
                throw new KuraException(ErrorKind.ServiceUnavailable, Unavailable);
            }

            _service = (issued.Secret, issued.Info.Token.ExpiresAt);
            return issued.Secret;
        }
        finally
        {
            _serviceLock.Release();
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        try
        {
            var response = await http().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if ((int)response.StatusCode >= 500)
            {
                response.Dispose();
                throw Refused(response.StatusCode, request.Method.Method + " " + request.RequestUri!.AbsolutePath);
            }

            return response;
        }
        catch (Exception ex) when (ex is not KuraException && !ct.IsCancellationRequested)
        {
            // Refused connections, resets, timeouts (ours or the handler's), a circuit held open: Keystone is unavailable.
            LogUnreachable(ex.GetType().Name, ex.Message);
            throw new KuraException(ErrorKind.ServiceUnavailable, Unavailable);
        }
    }

    private async Task<T> ReadAsync<T>(HttpResponseMessage response, Func<JsonElement, T> read, CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.Timeout);
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var document = await JsonDocument.ParseAsync(stream, default, timeout.Token);
            return read(document.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or IOException or HttpRequestException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            LogUnreadable(ex.GetType().Name);
            throw new KuraException(ErrorKind.ServiceUnavailable, Unavailable);
        }
    }

    private KuraException Refused(HttpStatusCode status, string what)
    {
        LogRefused((int)status, what);
        return new KuraException(ErrorKind.ServiceUnavailable, Unavailable);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Keystone answered {Status} to {What}")]
    private partial void LogRefused(int status, string what);

    [LoggerMessage(Level = LogLevel.Error, Message = "Keystone is unreachable: {Kind}: {Message}")]
    private partial void LogUnreachable(string kind, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Keystone's answer could not be read ({Kind})")]
    private partial void LogUnreadable(string kind);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Keystone refused Kura's service user {User}: check Identity:Keystone")]
    private partial void LogServiceUserRefused(string user);
}
