using Kura.Domain;
using Microsoft.Extensions.Caching.Memory;

namespace Kura.Identity.Keystone;

/// <summary>
/// A cloud's Keystone as the token authority (<c>Identity:Type=Keystone</c>), as keystonemiddleware is Glance's: a
/// token is validated by Keystone and its answer, valid or not, remembered for
/// <see cref="KeystoneOptions.TokenCacheTime"/> (in process, at most 50,000 tokens, keyed by the token's SHA-256
/// digest); a token's own expiry is still checked on every use. A token that cannot be a Keystone token (empty, over
/// 8 KiB, or with characters no header value may hold) is refused without asking.
/// </summary>
public sealed class KeystoneTokenAuthority(KeystoneClient keystone, KeystoneOptions options, TimeProvider clock) : ITokenAuthority, IDisposable
{
    private const int MaxTokenLength = 8192;
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 50_000 });

    /// <summary>A cached answer: the token, or null for one Keystone refused.</summary>
    private sealed record Answer(TokenInfo? Info);

    public string? ExternalUri => options.WwwAuthenticate;

    public async Task<TokenInfo?> ValidateAsync(string? token, bool allowExpired, CancellationToken ct)
    {
        if (!Plausible(token))
        {
            return null;
        }

        var key = (allowExpired ? "e:" : "v:") + IdentityService.Digest(token!);
        if (!_cache.TryGetValue(key, out Answer? answer) || answer is null)
        {
            answer = new Answer(await keystone.ValidateAsync(token!, allowExpired, ct));
            if (options.TokenCacheTime > TimeSpan.Zero)
            {
                _cache.Set(key, answer, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = options.TokenCacheTime });
            }
        }

        return answer.Info is { } info && (allowExpired || info.Token.ExpiresAt > clock.GetUtcNow()) ? info : null;
    }

    public Task<IssuedToken> SignInAsync(PasswordSignIn request, CancellationToken ct) => keystone.PasswordAsync(request, ct);

    public async Task<IssuedToken> RescopeAsync(string token, TokenInfo current, string projectId, CancellationToken ct)
    {
        try
        {
            return await keystone.RescopeAsync(token, projectId, ct);
        }
        catch (KuraException ex) when (ex.Kind == ErrorKind.Unauthorized)
        {
            throw KuraException.Forbidden("You have no role on that project.");
        }
    }

    public Task<IReadOnlyList<Project>> ProjectsOfAsync(string token, TokenInfo current, CancellationToken ct) => keystone.ProjectsAsync(token, ct);

    public async Task RevokeAsync(string token, CancellationToken ct)
    {
        if (!Plausible(token))
        {
            return;
        }

        var digest = IdentityService.Digest(token);
        _cache.Remove("v:" + digest);
        _cache.Remove("e:" + digest);
        await keystone.RevokeAsync(token, ct);
    }

    public void Dispose() => _cache.Dispose();

    /// <summary>1 to 8 KiB of visible ASCII: anything else is no token and must not reach a header to Keystone.</summary>
    private static bool Plausible(string? token) =>
        !string.IsNullOrEmpty(token) && token.Length <= MaxTokenLength && token.All(c => c is > ' ' and < (char)0x7F);
}
