namespace Kura.Identity;

/// <summary>
/// Persistence of the built-in identity service. Names are unique per domain (users, projects, groups), per user
/// (application credentials) or globally (roles); an insert that breaks uniqueness returns false. Deleting a user,
/// group, project or role also deletes its role assignments, memberships, application credentials and tokens.
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
    /// Sets an enabled user's password hash and revokes every token of theirs, in one transaction (nothing else of
    /// the user is written, so a concurrent change such as disabling the user is not undone); false when the user is
    /// gone or disabled.
    /// </summary>
    Task<bool> SetPasswordAndRevokeTokensAsync(string userId, string passwordHash, CancellationToken ct);

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

    /// <summary>Deletes a role, its assignments, and the application credentials that held it.</summary>
    Task<bool> DeleteRoleAsync(string id, CancellationToken ct);

    Task<Group?> FindGroupAsync(string id, CancellationToken ct);

    Task<IReadOnlyList<Group>> ListGroupsAsync(string? name, string? domainId, CancellationToken ct);

    Task<bool> TryAddGroupAsync(Group group, CancellationToken ct);

    /// <summary>Writes name and description; false when the name is taken in the group's domain or the group is gone.</summary>
    Task<bool> TryUpdateGroupAsync(Group group, CancellationToken ct);

    Task<bool> DeleteGroupAsync(string id, CancellationToken ct);

    /// <summary>Makes <paramref name="userId"/> a member of <paramref name="groupId"/>; idempotent.</summary>
    Task AddGroupMemberAsync(string groupId, string userId, CancellationToken ct);

    Task<bool> RemoveGroupMemberAsync(string groupId, string userId, CancellationToken ct);

    Task<IReadOnlyList<User>> ListGroupMembersAsync(string groupId, CancellationToken ct);

    Task<IReadOnlyList<Group>> ListGroupsOfUserAsync(string userId, CancellationToken ct);

    /// <summary>Adds an assignment of any <see cref="AssignmentKind"/>; idempotent.</summary>
    Task AddAssignmentAsync(RoleAssignment assignment, CancellationToken ct);

    Task<bool> RemoveAssignmentAsync(RoleAssignment assignment, CancellationToken ct);

    /// <summary>The direct assignments (of every kind) that match <paramref name="filter"/>; groups are not expanded.</summary>
    Task<IReadOnlyList<RoleAssignment>> ListAssignmentsAsync(AssignmentFilter filter, CancellationToken ct);

    /// <summary>The roles <paramref name="userId"/> holds on <paramref name="projectId"/>, directly or through a group, in name order.</summary>
    Task<IReadOnlyList<Role>> ListRolesForAsync(string userId, string projectId, CancellationToken ct);

    /// <summary>The roles <paramref name="userId"/> holds on the domain <paramref name="domainId"/>, directly or through a group.</summary>
    Task<IReadOnlyList<Role>> ListDomainRolesForAsync(string userId, string domainId, CancellationToken ct);

    /// <summary>Inserts a credential with its roles (one transaction); false when the user already has one of that name.</summary>
    Task<bool> TryAddApplicationCredentialAsync(ApplicationCredential credential, CancellationToken ct);

    Task<ApplicationCredential?> FindApplicationCredentialAsync(string id, CancellationToken ct);

    Task<ApplicationCredential?> FindApplicationCredentialByNameAsync(string userId, string name, CancellationToken ct);

    Task<IReadOnlyList<ApplicationCredential>> ListApplicationCredentialsAsync(string userId, string? name, CancellationToken ct);

    /// <summary>Deletes a credential and, with it, every token issued for it.</summary>
    Task<bool> DeleteApplicationCredentialAsync(string id, CancellationToken ct);

    /// <summary>Deletes the user's credentials (on <paramref name="projectId"/> only, when given) and their tokens.</summary>
    Task<int> DeleteApplicationCredentialsOfUserAsync(string userId, string? projectId, CancellationToken ct);

    Task AddTokenAsync(TokenRecord token, CancellationToken ct);

    /// <summary>The token whose digest is <paramref name="digest"/>, unless revoked.</summary>
    Task<TokenRecord?> FindTokenAsync(string digest, CancellationToken ct);

    /// <summary>
    /// The token (unless revoked) with its user, their domain, its project and that project's domain (or the domain it
    /// is scoped to), its application credential, and the roles the user holds on its scope now (directly or through
    /// a group; for an application credential's token only the credential's roles among them) — in one round trip,
    /// since every API request needs it. Expiry and enabled flags are the caller's to check. The project is null for
    /// an unscoped or domain-scoped token or a deleted project.
    /// </summary>
    Task<TokenInfo?> FindTokenInfoAsync(string digest, CancellationToken ct);

    Task<bool> RevokeTokenAsync(string digest, CancellationToken ct);

    Task RevokeTokensOfUserAsync(string userId, CancellationToken ct);

    Task<int> DeleteExpiredTokensAsync(DateTimeOffset before, CancellationToken ct);
}
