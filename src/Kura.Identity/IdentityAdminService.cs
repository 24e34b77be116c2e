using Kura.Domain;

namespace Kura.Identity;

/// <summary>
/// Identity administration (Keystone's v3 admin API: domains, projects, users, groups, roles, assignments,
/// application credentials), with its own authorization: every call needs an admin token, except that a user may read
/// their own user record and list their own projects and groups, and manages their own application credentials
/// (an admin may read and delete anyone's). Token authentication is <see cref="IdentityService"/>'s; the handlers hold
/// no rule and no store.
/// </summary>
public sealed class IdentityAdminService(IdentityService identity)
{
    private IIdentityStore Store => identity.Store;

    public Task<IReadOnlyList<IdentityDomain>> ListDomainsAsync(TokenInfo caller, string? name, CancellationToken ct) =>
        AdminAsync(caller, "list_domains", async () => (IReadOnlyList<IdentityDomain>)(await Store.ListDomainsAsync(ct)).Where(d => name is null || d.Name == name).ToList());

    public Task<IdentityDomain> GetDomainAsync(TokenInfo caller, string id, CancellationToken ct) =>
        AdminAsync(caller, "get_domain", async () => await Store.FindDomainAsync(id, ct) ?? throw IdentityService.NotFound("domain", id));

    public Task<IReadOnlyList<Project>> ListProjectsAsync(TokenInfo caller, string? name, string? domainId, CancellationToken ct) =>
        AdminAsync(caller, "list_projects", () => Store.ListProjectsAsync(name, domainId, ct));

    public Task<Project> CreateProjectAsync(TokenInfo caller, string name, string? domainId, string? description, bool enabled, string? appkey, CancellationToken ct) =>
        AdminAsync(caller, "create_project", () => identity.CreateProjectAsync(name, domainId, description, enabled, appkey, ct));

    public Task<Project> GetProjectAsync(TokenInfo caller, string id, CancellationToken ct) =>
        AdminAsync(caller, "get_project", async () => await Store.FindProjectAsync(id, ct) ?? throw IdentityService.NotFound("project", id));

    public Task<Project> UpdateProjectAsync(TokenInfo caller, string id, string? name, string? description, bool? enabled, string? appkey, CancellationToken ct) =>
        AdminAsync(caller, "update_project", () => identity.UpdateProjectAsync(id, name, description, enabled, appkey, ct));

    public Task DeleteProjectAsync(TokenInfo caller, string id, CancellationToken ct) =>
        AdminAsync(caller, "delete_project", () => identity.DeleteProjectAsync(id, ct));

    public Task<IReadOnlyList<User>> ListUsersAsync(TokenInfo caller, string? name, string? domainId, CancellationToken ct) =>
        AdminAsync(caller, "list_users", () => Store.ListUsersAsync(name, domainId, ct));

    public Task<User> CreateUserAsync(TokenInfo caller, string name, string? domainId, string? password, string? defaultProjectId, string? email, string? description, bool enabled, CancellationToken ct) =>
        AdminAsync(caller, "create_user", () => identity.CreateUserAsync(name, domainId, password, defaultProjectId, email, description, enabled, ct));

    /// <summary>A user record: an admin reads any, a user their own.</summary>
    public async Task<User> GetUserAsync(TokenInfo caller, string id, CancellationToken ct)
    {
        RequireAdminOrSelf(caller, id, "get_user");
        return await Store.FindUserAsync(id, ct) ?? throw IdentityService.NotFound("user", id);
    }

    public Task<User> UpdateUserAsync(TokenInfo caller, string id, string? name, string? password, bool? enabled, string? defaultProjectId, string? email, string? description, CancellationToken ct) =>
        AdminAsync(caller, "update_user", () => identity.UpdateUserAsync(id, name, password, enabled, defaultProjectId, email, description, ct));

    public Task DeleteUserAsync(TokenInfo caller, string id, CancellationToken ct) =>
        AdminAsync(caller, "delete_user", () => identity.DeleteUserAsync(id, ct));

    /// <summary>The projects a user holds a role on (directly or through a group): an admin asks for anyone, a user for themselves.</summary>
    public async Task<IReadOnlyList<Project>> ListUserProjectsAsync(TokenInfo caller, string id, CancellationToken ct)
    {
        RequireAdminOrSelf(caller, id, "list_user_projects");
        _ = await Store.FindUserAsync(id, ct) ?? throw IdentityService.NotFound("user", id);
        return await identity.ProjectsOfAsync(id, ct);
    }

    // ---- groups --------------------------------------------------------------------------------------------

    public Task<IReadOnlyList<Group>> ListGroupsAsync(TokenInfo caller, string? name, string? domainId, CancellationToken ct) =>
        AdminAsync(caller, "list_groups", () => Store.ListGroupsAsync(name, domainId, ct));

    public Task<Group> CreateGroupAsync(TokenInfo caller, string name, string? domainId, string? description, CancellationToken ct) =>
        AdminAsync(caller, "create_group", () => identity.CreateGroupAsync(name, domainId, description, ct));

    public Task<Group> GetGroupAsync(TokenInfo caller, string id, CancellationToken ct) =>
        AdminAsync(caller, "get_group", async () => await Store.FindGroupAsync(id, ct) ?? throw IdentityService.NotFound("group", id));

    public Task<Group> UpdateGroupAsync(TokenInfo caller, string id, string? name, string? description, CancellationToken ct) =>
        AdminAsync(caller, "update_group", () => identity.UpdateGroupAsync(id, name, description, ct));

    public Task DeleteGroupAsync(TokenInfo caller, string id, CancellationToken ct) =>
        AdminAsync(caller, "delete_group", () => identity.DeleteGroupAsync(id, ct));

    public Task<IReadOnlyList<User>> ListGroupMembersAsync(TokenInfo caller, string groupId, CancellationToken ct) =>
        AdminAsync(caller, "list_users_in_group", async () =>
        {
            _ = await Store.FindGroupAsync(groupId, ct) ?? throw IdentityService.NotFound("group", groupId);
            return await Store.ListGroupMembersAsync(groupId, ct);
        });

    public Task AddGroupMemberAsync(TokenInfo caller, string groupId, string userId, CancellationToken ct) =>
        AdminAsync(caller, "add_user_to_group", () => identity.AddGroupMemberAsync(groupId, userId, ct));

    public Task RemoveGroupMemberAsync(TokenInfo caller, string groupId, string userId, CancellationToken ct) =>
        AdminAsync(caller, "remove_user_from_group", () => identity.RemoveGroupMemberAsync(groupId, userId, ct));

    /// <summary>Nothing when the user is in the group; Keystone's 404 otherwise.</summary>
    public Task CheckGroupMemberAsync(TokenInfo caller, string groupId, string userId, CancellationToken ct) =>
        AdminAsync(caller, "check_user_in_group", async () =>
        {
            if (!await identity.IsGroupMemberAsync(groupId, userId, ct))
            {
                throw IdentityService.NotInGroup(userId, groupId);
            }
        });

    /// <summary>The groups a user is in: an admin asks for anyone, a user for themselves.</summary>
    public async Task<IReadOnlyList<Group>> ListGroupsOfUserAsync(TokenInfo caller, string userId, CancellationToken ct)
    {
        RequireAdminOrSelf(caller, userId, "list_groups_for_user");
        _ = await Store.FindUserAsync(userId, ct) ?? throw IdentityService.NotFound("user", userId);
        return await Store.ListGroupsOfUserAsync(userId, ct);
    }

    // ---- application credentials ---------------------------------------------------------------------------

    /// <summary>
    /// A user makes an application credential for the project of the token they ask with, with roles among the
    /// token's. Only the user themself (Keystone's <c>rule:owner</c>), with a project-scoped token that is not a
    /// restricted application credential's.
    /// </summary>
    public async Task<(ApplicationCredential Credential, string Secret)> CreateApplicationCredentialAsync(TokenInfo caller, string userId, string name, string? description,
        string? secret, DateTimeOffset? expiresAt, IReadOnlyList<(string? Id, string? Name)>? roles, bool unrestricted, CancellationToken ct)
    {
        RequireSelf(caller, userId, "create_application_credential");
        RequireUnrestricted(caller);
        if (caller.Project is null)
        {
            throw KuraException.Forbidden("An application credential is created with a project-scoped token: its project is the credential's.");
        }

        return await identity.CreateApplicationCredentialAsync(caller.User, caller.Project, caller.Roles, name, description, secret, expiresAt, roles, unrestricted, ct);
    }

    public async Task<IReadOnlyList<ApplicationCredential>> ListApplicationCredentialsAsync(TokenInfo caller, string userId, string? name, CancellationToken ct)
    {
        RequireAdminOrSelf(caller, userId, "list_application_credentials");
        _ = await Store.FindUserAsync(userId, ct) ?? throw IdentityService.NotFound("user", userId);
        return await Store.ListApplicationCredentialsAsync(userId, name, ct);
    }

    public async Task<ApplicationCredential> GetApplicationCredentialAsync(TokenInfo caller, string userId, string id, CancellationToken ct)
    {
        RequireAdminOrSelf(caller, userId, "get_application_credential");
        return await Store.FindApplicationCredentialAsync(id, ct) is { } credential && credential.UserId == userId
            ? credential
            : throw IdentityService.ApplicationCredentialNotFound(id);
    }

    /// <summary>The user themself (not with a restricted application credential's token) or an admin deletes one.</summary>
    public async Task DeleteApplicationCredentialAsync(TokenInfo caller, string userId, string id, CancellationToken ct)
    {
        RequireAdminOrSelf(caller, userId, "delete_application_credential");
        RequireUnrestricted(caller);
        _ = await GetApplicationCredentialAsync(caller, userId, id, ct);
        await identity.DeleteApplicationCredentialAsync(id, ct);
    }

    private static void RequireUnrestricted(TokenInfo caller)
    {
        if (caller.ApplicationCredential is { Unrestricted: false })
        {
            throw KuraException.Forbidden("You are not authorized to perform the requested action: Using method 'application_credential' is not allowed for managing additional application credentials..");
        }
    }

    public Task<IReadOnlyList<Role>> ListRolesAsync(TokenInfo caller, string? name, CancellationToken ct) =>
        AdminAsync(caller, "list_roles", () => Store.ListRolesAsync(name, ct));

    public Task<Role> CreateRoleAsync(TokenInfo caller, string name, string? description, CancellationToken ct) =>
        AdminAsync(caller, "create_role", () => identity.CreateRoleAsync(name, description, ct));

    public Task<Role> GetRoleAsync(TokenInfo caller, string id, CancellationToken ct) =>
        AdminAsync(caller, "get_role", async () => await Store.FindRoleAsync(id, ct) ?? throw IdentityService.NotFound("role", id));

    public Task DeleteRoleAsync(TokenInfo caller, string id, CancellationToken ct) =>
        AdminAsync(caller, "delete_role", () => identity.DeleteRoleAsync(id, ct));

    /// <summary>The roles assigned directly to a user or group on a project or domain (<paramref name="scope"/>'s role is ignored).</summary>
    public Task<IReadOnlyList<Role>> ListGrantsAsync(TokenInfo caller, RoleAssignment scope, CancellationToken ct) =>
        AdminAsync(caller, "list_grants", () => identity.ListGrantedRolesAsync(scope, ct));

    public Task GrantAsync(TokenInfo caller, RoleAssignment assignment, CancellationToken ct) =>
        AdminAsync(caller, "create_grant", () => identity.GrantAsync(assignment, ct));

    /// <summary>Nothing when the assignment exists; Keystone's 404 otherwise.</summary>
    public Task CheckGrantAsync(TokenInfo caller, RoleAssignment assignment, CancellationToken ct) =>
        AdminAsync(caller, "check_grant", async () =>
        {
            if (!await identity.HasGrantAsync(assignment, ct))
            {
                throw IdentityService.AssignmentNotFound(assignment.RoleId, assignment.ActorId, assignment.TargetId);
            }
        });

    public Task RevokeGrantAsync(TokenInfo caller, RoleAssignment assignment, CancellationToken ct) =>
        AdminAsync(caller, "revoke_grant", () => identity.RevokeGrantAsync(assignment, ct));

    /// <summary>
    /// Role assignments matching <paramref name="filter"/> (Keystone's <c>GET /v3/role_assignments</c>): direct ones, or
    /// with <paramref name="effective"/> every group assignment expanded to its members (each with the group it came
    /// through), with the role, actor and target (and their domains) looked up when <paramref name="withNames"/>. A
    /// system-scope filter matches nothing: Kura's identity has no system scope.
    /// </summary>
    public Task<IReadOnlyList<AssignmentView>> ListAssignmentsAsync(TokenInfo caller, AssignmentFilter filter, bool effective, bool systemScope, bool withNames, CancellationToken ct) =>
        AdminAsync(caller, "list_role_assignments", async () =>
        {
            if (effective && filter.GroupId is not null)
            {
                throw KuraException.BadRequest("Combining effective and group filter will always result in an empty list.");
            }

            if (filter.UserId is not null && filter.GroupId is not null)
            {
                throw KuraException.BadRequest("Specify a user or group, not both");
            }

            if (filter.ProjectId is not null && filter.DomainId is not null)
            {
                throw KuraException.BadRequest("Specify a domain or project, not both");
            }

            var found = new List<(RoleAssignment Assignment, string? ViaGroup)>();
            if (systemScope)
            {
                return (IReadOnlyList<AssignmentView>)[];
            }

            if (!effective)
            {
                found.AddRange((await Store.ListAssignmentsAsync(filter, ct)).Select(a => (a, (string?)null)));
            }
            else
            {
                // Every assignment on the scope and role asked for; group ones become their members', then the user filter.
                foreach (var a in await Store.ListAssignmentsAsync(filter with { UserId = null }, ct))
                {
                    if (!a.ToGroup)
                    {
                        found.Add((a, null));
                        continue;
                    }

                    foreach (var member in await Store.ListGroupMembersAsync(a.ActorId, ct))
                    {
                        found.Add((a.ForMember(member.Id), a.ActorId));
                    }
                }

                found.RemoveAll(x => filter.UserId is not null && x.Assignment.ActorId != filter.UserId);
            }

            var result = new List<AssignmentView>();
            foreach (var (a, via) in found)
            {
                if (!withNames)
                {
                    result.Add(new AssignmentView(a, null, null, null, null, null) { ViaGroupId = via });
                    continue;
                }

                var user = a.ToGroup ? null : await Store.FindUserAsync(a.ActorId, ct);
                var group = a.ToGroup ? await Store.FindGroupAsync(a.ActorId, ct) : null;
                var project = a.OnDomain ? null : await Store.FindProjectAsync(a.TargetId, ct);
                var actorDomainId = user?.DomainId ?? group?.DomainId;
                var targetDomainId = a.OnDomain ? a.TargetId : project?.DomainId;
                result.Add(new AssignmentView(a, await Store.FindRoleAsync(a.RoleId, ct),
                    user, actorDomainId is null ? null : await Store.FindDomainAsync(actorDomainId, ct),
                    project, targetDomainId is null ? null : await Store.FindDomainAsync(targetDomainId, ct))
                { Group = group, ViaGroupId = via });
            }

            return result;
        });

    /// <summary>The admin check alone, for a handler that must refuse before it reads the request body (as Keystone).</summary>
    public static void Authorize(TokenInfo caller, string action) => RequireAdmin(caller, action);

    private static async Task<T> AdminAsync<T>(TokenInfo caller, string action, Func<Task<T>> work)
    {
        RequireAdmin(caller, action);
        return await work();
    }

    private static async Task AdminAsync(TokenInfo caller, string action, Func<Task> work)
    {
        RequireAdmin(caller, action);
        await work();
    }

    private static void RequireAdmin(TokenInfo caller, string action)
    {
        if (!caller.IsAdmin)
        {
            throw KuraException.Forbidden($"You are not authorized to perform the requested action: identity:{action}.");
        }
    }

    private static void RequireSelf(TokenInfo caller, string userId, string action)
    {
        if (caller.User.Id != userId)
        {
            throw KuraException.Forbidden($"You are not authorized to perform the requested action: identity:{action}.");
        }
    }

    private static void RequireAdminOrSelf(TokenInfo caller, string userId, string action)
    {
        if (!caller.IsAdmin && caller.User.Id != userId)
        {
            throw KuraException.Forbidden($"You are not authorized to perform the requested action: identity:{action}.");
        }
    }
}

/// <summary>
/// One role assignment, with what <c>include_names</c> shows of its role, actor (user or group) and target (project,
/// or the domain itself in <paramref name="ProjectDomain"/>) (null when not asked or gone), and for an effective
/// assignment that came through a group, that group's id.
/// </summary>
public sealed record AssignmentView(RoleAssignment Assignment, Role? Role, User? User, IdentityDomain? UserDomain, Project? Project, IdentityDomain? ProjectDomain)
{
    public Group? Group { get; init; }

    public string? ViaGroupId { get; init; }
}
