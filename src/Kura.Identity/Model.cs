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

/// <summary>A group of users in a domain; roles assigned to it count for every member.</summary>
public sealed record Group(string Id, string Name, string DomainId, string Description);

/// <summary>Who holds a role (a user or a group) on what (a project or a domain).</summary>
public enum AssignmentKind
{
    UserProject,
    GroupProject,
    UserDomain,
    GroupDomain,
}

/// <summary>
/// One role assignment: <paramref name="ActorId"/> (a user's or a group's id, as <paramref name="Kind"/> says) holds
/// <paramref name="RoleId"/> on <paramref name="TargetId"/> (a project's or a domain's id).
/// </summary>
public sealed record RoleAssignment(string ActorId, string TargetId, string RoleId, AssignmentKind Kind = AssignmentKind.UserProject)
{
    public bool ToGroup => Kind is AssignmentKind.GroupProject or AssignmentKind.GroupDomain;

    public bool OnDomain => Kind is AssignmentKind.UserDomain or AssignmentKind.GroupDomain;

    /// <summary>A group's assignment as it counts for one member (Keystone's <c>effective</c>).</summary>
    public RoleAssignment ForMember(string userId) =>
        this with { ActorId = userId, Kind = OnDomain ? AssignmentKind.UserDomain : AssignmentKind.UserProject };

    /// <summary>The filter that matches this assignment's kind, actor and target, with <paramref name="roleId"/> (null: any role).</summary>
    public AssignmentFilter Filter(string? roleId) =>
        new(ToGroup ? null : ActorId, OnDomain ? null : TargetId, roleId)
        {
            GroupId = ToGroup ? ActorId : null,
            DomainId = OnDomain ? TargetId : null,
        };

    public static RoleAssignment Of(bool toGroup, string actorId, bool onDomain, string targetId, string roleId) =>
        new(actorId, targetId, roleId, (toGroup, onDomain) switch
        {
            (false, false) => AssignmentKind.UserProject,
            (true, false) => AssignmentKind.GroupProject,
            (false, true) => AssignmentKind.UserDomain,
            _ => AssignmentKind.GroupDomain,
        });
}

/// <summary>
/// An application credential: a secret that authenticates as its user on one project with a subset of the user's
/// roles there. Only the password KDF's output of the secret is kept. A restricted one (not
/// <paramref name="Unrestricted"/>) cannot be used to manage application credentials.
/// </summary>
public sealed record ApplicationCredential(
    string Id,
    string Name,
    string UserId,
    string ProjectId,
    string? Description,
    DateTimeOffset? ExpiresAt,
    bool Unrestricted,
    IReadOnlyList<Role> Roles)
{
    public string SecretHash { get; init; } = string.Empty;
}

/// <summary>A stored token: only the SHA-256 digest of the secret is kept.</summary>
public sealed record TokenRecord(
    string Digest,
    string UserId,
    string? ProjectId,
    IReadOnlyList<string> Methods,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<string> AuditIds)
{
    /// <summary>The domain a domain-scoped token is scoped to (then <see cref="ProjectId"/> is null).</summary>
    public string? DomainId { get; init; }

    /// <summary>The application credential the token was issued for, if it was.</summary>
    public string? ApplicationCredentialId { get; init; }
}

/// <summary>A validated token with everything a response body or an authorization decision needs.</summary>
public sealed record TokenInfo(
    TokenRecord Token,
    User User,
    IdentityDomain UserDomain,
    Project? Project,
    IdentityDomain? ProjectDomain,
    IReadOnlyList<Role> Roles)
{
    /// <summary>The domain of a domain-scoped token; null for a project-scoped or unscoped one.</summary>
    public IdentityDomain? Domain { get; init; }

    /// <summary>The application credential a token was issued for (its name and whether it is restricted).</summary>
    public ApplicationCredential? ApplicationCredential { get; init; }

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

/// <summary>
/// Filters of direct role assignments (<c>GET /v3/role_assignments</c>): a null matches anything; a user filter
/// matches only assignments to that user, a group filter only those to that group, a project filter only those on
/// that project, a domain filter only those on that domain.
/// </summary>
public sealed record AssignmentFilter(string? UserId, string? ProjectId, string? RoleId)
{
    public string? GroupId { get; init; }

    public string? DomainId { get; init; }
}
