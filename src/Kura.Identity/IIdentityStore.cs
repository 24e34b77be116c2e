namespace Kura.Identity;

/// <summary>
/// Persistence of the built-in identity service. Names are unique per domain (users, projects) or globally
/// (roles); an insert that breaks uniqueness returns false. Deleting a user or project also deletes its role
/// assignments and tokens.
/// </summary>
public interface IIdentityStore
{
    Task<IdentityDomain?> FindDomainAsync(string id, CancellationToken ct);

    Task<IdentityDomain?> FindDomainByNameAsync(string name, CancellationToken ct);

    Task<IReadOnlyList<IdentityDomain>> ListDomainsAsync(CancellationToken ct);

    Task<bool> TryAddDomainAsync(IdentityDomain domain, CancellationToken ct);

    Task<Project?> FindProjectAsync(string id, CancellationToken ct);

    Task<Project?> FindProjectByNameAsync(string domainId, string name, CancellationToken ct);

    /// <summary>The project whose <see cref="Project.Appkey"/> is <paramref name="appkey"/> (an indexed lookup), or null.</summary>
    Task<Project?> FindProjectByAppkeyAsync(string appkey, CancellationToken ct);

    Task<IReadOnlyList<Project>> ListProjectsAsync(string? name, string? domainId, CancellationToken ct);

    /// <summary>Inserts a project with its appkey; false when its name (in its domain) or its appkey is taken.</summary>
    Task<bool> TryAddProjectAsync(Project project, CancellationToken ct);

    /// <summary>Writes name, description, enabled and appkey; false when the name or the appkey is taken.</summary>
    Task<bool> TryUpdateProjectAsync(Project project, CancellationToken ct);

    Task<bool> DeleteProjectAsync(string id, CancellationToken ct);

    Task<User?> FindUserAsync(string id, CancellationToken ct);

    Task<User?> FindUserByNameAsync(string domainId, string name, CancellationToken ct);

    Task<IReadOnlyList<User>> ListUsersAsync(string? name, string? domainId, CancellationToken ct);

    Task<bool> TryAddUserAsync(User user, CancellationToken ct);

    Task<bool> TryUpdateUserAsync(User user, CancellationToken ct);

    Task<bool> DeleteUserAsync(string id, CancellationToken ct);

    /// <summary>
    /// Counts a failed password authentication of <paramref name="userId"/> at <paramref name="at"/>, starting again
    /// from one when the previous failure is before <paramref name="resetBefore"/>; returns the new count.
    /// </summary>
    Task<int> RecordAuthFailureAsync(string userId, DateTimeOffset at, DateTimeOffset resetBefore, CancellationToken ct);

    /// <summary>Clears the failure count after a successful authentication.</summary>
    Task ResetAuthFailuresAsync(string userId, CancellationToken ct);

    Task<Role?> FindRoleAsync(string id, CancellationToken ct);

    Task<Role?> FindRoleByNameAsync(string name, CancellationToken ct);

    Task<IReadOnlyList<Role>> ListRolesAsync(string? name, CancellationToken ct);

    Task<bool> TryAddRoleAsync(Role role, CancellationToken ct);

    Task<bool> DeleteRoleAsync(string id, CancellationToken ct);

    Task AddAssignmentAsync(RoleAssignment assignment, CancellationToken ct);

    Task<bool> RemoveAssignmentAsync(RoleAssignment assignment, CancellationToken ct);

    Task<IReadOnlyList<RoleAssignment>> ListAssignmentsAsync(AssignmentFilter filter, CancellationToken ct);

    /// <summary>The roles <paramref name="userId"/> holds on <paramref name="projectId"/>.</summary>
    Task<IReadOnlyList<Role>> ListRolesForAsync(string userId, string projectId, CancellationToken ct);

    Task AddTokenAsync(TokenRecord token, CancellationToken ct);

    /// <summary>The token whose digest is <paramref name="digest"/>, unless revoked.</summary>
    Task<TokenRecord?> FindTokenAsync(string digest, CancellationToken ct);

    /// <summary>
    /// The token (unless revoked) with its user, their domain, its project and that project's domain, and the roles
    /// the user holds on the project now — in one round trip, since every API request needs it. Expiry and
    /// enabled flags are the caller's to check. The project is null for an unscoped token or a deleted project.
    /// </summary>
    Task<TokenInfo?> FindTokenInfoAsync(string digest, CancellationToken ct);

    Task<bool> RevokeTokenAsync(string digest, CancellationToken ct);

    Task RevokeTokensOfUserAsync(string userId, CancellationToken ct);

    Task<int> DeleteExpiredTokensAsync(DateTimeOffset before, CancellationToken ct);
}
