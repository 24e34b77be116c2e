namespace Kura.Identity;

public sealed record IdentityDomain(string Id, string Name, string Description, bool Enabled);

public sealed record Project(string Id, string Name, string DomainId, string Description, bool Enabled)
{
    /// <summary>The key that names this project in NHN Cloud's v1.0 API (<c>/v1.0/appkeys/{appkey}/…</c>); unique.</summary>
    public string? Appkey { get; init; }
}

public sealed record User(string Id, string Name, string DomainId, bool Enabled, string? DefaultProjectId, string? Email, string? Description)
{
    /// <summary>The stored KDF output ("pbkdf2-sha512$iterations$salt$hash"); never serialized to clients.</summary>
    public string? PasswordHash { get; init; }

    /// <summary>Consecutive failed password authentications, and when the last one was (for lockout).</summary>
    public int FailedAuthCount { get; init; }

    public DateTimeOffset? FailedAuthAt { get; init; }
}

public sealed record Role(string Id, string Name, string? DomainId, string? Description);

public sealed record RoleAssignment(string UserId, string ProjectId, string RoleId);

/// <summary>A stored token: only the SHA-256 digest of the secret is kept.</summary>
public sealed record TokenRecord(
    string Digest,
    string UserId,
    string? ProjectId,
    IReadOnlyList<string> Methods,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<string> AuditIds);

/// <summary>A validated token with everything a response body or an authorization decision needs.</summary>
public sealed record TokenInfo(
    TokenRecord Token,
    User User,
    IdentityDomain UserDomain,
    Project? Project,
    IdentityDomain? ProjectDomain,
    IReadOnlyList<Role> Roles)
{
    public bool IsAdmin => Roles.Any(r => string.Equals(r.Name, "admin", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The caller the image rules see for this token: its user, project and lower-cased role names. Without
    /// <paramref name="cloudAdmin"/> (NHN's v1.0 API, where a token acts only for its appkey's project) the admin role
    /// gives no cloud-wide powers but still counts as the member and reader roles it implies.
    /// </summary>
    public Kura.Domain.Caller AsCaller(bool cloudAdmin = true)
    {
        var roles = Roles.Select(r => r.Name.ToLowerInvariant());
        return new(User.Id, Project?.Id, (cloudAdmin ? roles : roles.SelectMany(r => r == "admin" ? new[] { "member", "reader" } : [r]).Distinct()).ToArray());
    }
}

/// <summary>Filters of <c>GET /v3/role_assignments</c>.</summary>
public sealed record AssignmentFilter(string? UserId, string? ProjectId, string? RoleId);
