namespace Kura.Identity;

/// <summary>
/// Who issues and checks the tokens Kura accepts (<c>Identity:Type</c>): Kura's own identity
/// (<see cref="EmbeddedTokenAuthority"/>, the default) or a cloud's Keystone (Kura.Identity.Keystone). Every HTTP surface
/// (Glance's <c>/v2</c>, NHN's v1.0, the dashboard) authenticates through this, so the two modes differ only here.
/// An unreachable or failing authority is a <see cref="Kura.Domain.ErrorKind.ServiceUnavailable"/>, never a token
/// accepted unchecked.
/// </summary>
public interface ITokenAuthority
{
    /// <summary>The identity endpoint a 401's <c>WWW-Authenticate: Keystone uri="…"</c> names; null for Kura's own <c>/identity</c>.</summary>
    string? ExternalUri { get; }

    /// <summary>
    /// The token's identity, or null when it is unknown, revoked, expired (unless <paramref name="allowExpired"/>, which
    /// only a valid service token grants), or its user or project is gone or disabled.
    /// </summary>
    Task<TokenInfo?> ValidateAsync(string? token, bool allowExpired, CancellationToken ct);

    /// <summary>A project-scoped token for a user's password: the dashboard's and NHN's sign-in. Unauthorized when refused.</summary>
    Task<IssuedToken> SignInAsync(PasswordSignIn request, CancellationToken ct);

    /// <summary>A token for another project of the same user, expiring with <paramref name="current"/>. Forbidden without a role there.</summary>
    Task<IssuedToken> RescopeAsync(string token, TokenInfo current, string projectId, CancellationToken ct);

    /// <summary>The projects the token's user may scope to.</summary>
    Task<IReadOnlyList<Project>> ProjectsOfAsync(string token, TokenInfo current, CancellationToken ct);

    /// <summary>Revokes a token (sign-out); an unknown token is no error.</summary>
    Task RevokeAsync(string token, CancellationToken ct);
}

/// <summary>A password sign-in: user by name in a domain (by name), scoped to a project by id or by name in a domain.</summary>
public sealed record PasswordSignIn(string UserName, string UserDomainName, string Password, string? ProjectId, string? ProjectName, string ProjectDomainName);

/// <summary>A token just issued: the secret (which exists nowhere else) and what it stands for.</summary>
public sealed record IssuedToken(string Secret, TokenInfo Info);

/// <summary>An authenticated request: the user's token and the roles of the service token that came with it, if any.</summary>
public sealed record Authenticated(TokenInfo Token, IReadOnlyList<string> ServiceRoles)
{
    /// <summary>The caller the image rules see (<see cref="TokenInfo.AsCaller"/>) with the service roles.</summary>
    public Kura.Domain.Caller AsCaller(bool cloudAdmin = true) =>
        Token.AsCaller(cloudAdmin) with { ServiceRoles = ServiceRoles };
}

/// <summary>
/// keystonemiddleware's reading of a request's tokens, for either authority: an <c>X-Service-Token</c>, when sent, must
/// be valid and hold one of <see cref="IdentityOptions.ServiceTokenRoles"/> (its <c>service_token_roles</c> with
/// <c>service_token_roles_required</c>), or the request is refused; with it the user's token may have expired (within
/// the authority's window), as Nova's long snapshot uploads need, and policy sees the service roles.
/// </summary>
public sealed class TokenAuthentication(ITokenAuthority authority, IdentityOptions options)
{
    public ITokenAuthority Authority => authority;

    public const string DomainScopeRefused = "A domain-scoped token cannot be used for images: the image API's policies are project-scoped. Use a token scoped to a project.";

    /// <summary>The request's identity, or null for a 401.</summary>
    public async Task<Authenticated?> AuthenticateAsync(string? userToken, string? serviceToken, CancellationToken ct)
    {
        IReadOnlyList<string> serviceRoles = [];
        if (!string.IsNullOrEmpty(serviceToken))
        {
            var service = await authority.ValidateAsync(serviceToken, allowExpired: false, ct);
            if (service?.Project is null ||
                !service.Roles.Any(r => options.EffectiveServiceTokenRoles.Contains(r.Name, StringComparer.OrdinalIgnoreCase)))
            {
                return null;
            }

            serviceRoles = service.Roles.Select(r => r.Name.ToLowerInvariant()).ToArray();
        }

        var user = await authority.ValidateAsync(userToken, allowExpired: serviceRoles.Count > 0, ct);
        if (user is { Project: null, Domain: not null })
        {
            // The newest Glance enforces scope: its image policies are project-scoped, so a valid domain-scoped
            // token is refused (oslo.policy's InvalidScope, Glance's 403), where an unscoped one is not accepted at all.
            throw Kura.Domain.KuraException.Forbidden(DomainScopeRefused);
        }

        return user?.Project is null ? null : new Authenticated(user, serviceRoles);
    }
}
