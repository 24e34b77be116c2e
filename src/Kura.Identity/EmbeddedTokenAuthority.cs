using Kura.Domain;

namespace Kura.Identity;

/// <summary>Kura's own identity as the token authority (<c>Identity:Type=Embedded</c>): <see cref="IdentityService"/> issues and checks.</summary>
public sealed class EmbeddedTokenAuthority(IdentityService identity) : ITokenAuthority
{
    public string? ExternalUri => null;

    public Task<TokenInfo?> ValidateAsync(string? token, bool allowExpired, CancellationToken ct) => identity.ValidateAsync(token, ct, allowExpired);

    public async Task<IssuedToken> SignInAsync(PasswordSignIn request, CancellationToken ct)
    {
        var user = await identity.AuthenticatePasswordAsync(null, request.UserName, null, request.UserDomainName, request.Password, ct);
        var project = await identity.ResolveScopeProjectAsync(request.ProjectId, request.ProjectName, null, request.ProjectDomainName, ct);
        var (secret, info) = await identity.IssueAsync(user, project, ["password"], null, ct);
        return new IssuedToken(secret, info);
    }

    public async Task<IssuedToken> RescopeAsync(string token, TokenInfo current, string projectId, CancellationToken ct)
    {
        var project = (await identity.ProjectsOfAsync(current.User.Id, ct)).FirstOrDefault(p => p.Id == projectId && p.Enabled)
            ?? throw KuraException.Forbidden("You have no role on that project.");
        var (secret, info) = await identity.IssueAsync(current.User, project, ["token", .. current.Token.Methods.Where(m => m != "token")], current.Token, ct);
        return new IssuedToken(secret, info);
    }

    public Task<IReadOnlyList<Project>> ProjectsOfAsync(string token, TokenInfo current, CancellationToken ct) => identity.ProjectsOfAsync(current.User.Id, ct);

    public Task RevokeAsync(string token, CancellationToken ct) => identity.RevokeAsync(token, ct);
}
