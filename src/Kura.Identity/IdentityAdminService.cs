using Kura.Domain;

namespace Kura.Identity;

/// <summary>
/// Identity administration (Keystone's v3 admin API: domains, projects, users, roles, assignments), with its own
/// authorization: every call needs an admin token, except that a user may read their own user record and list their
/// own projects. Token authentication is <see cref="IdentityService"/>'s; the handlers hold no rule and no store.
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

    /// <summary>The projects a user holds a role on: an admin asks for anyone, a user for themselves.</summary>
    public async Task<IReadOnlyList<Project>> ListUserProjectsAsync(TokenInfo caller, string id, CancellationToken ct)
    {
        RequireAdminOrSelf(caller, id, "list_user_projects");
        _ = await Store.FindUserAsync(id, ct) ?? throw IdentityService.NotFound("user", id);
        var projects = new List<Project>();
        foreach (var projectId in (await Store.ListAssignmentsAsync(new AssignmentFilter(id, null, null), ct)).Select(a => a.ProjectId).Distinct())
        {
            if (await Store.FindProjectAsync(projectId, ct) is { } project)
            {
                projects.Add(project);
            }
        }

        return projects;
    }

    public Task<IReadOnlyList<Role>> ListRolesAsync(TokenInfo caller, string? name, CancellationToken ct) =>
        AdminAsync(caller, "list_roles", () => Store.ListRolesAsync(name, ct));

    public Task<Role> CreateRoleAsync(TokenInfo caller, string name, string? description, CancellationToken ct) =>
        AdminAsync(caller, "create_role", () => identity.CreateRoleAsync(name, description, ct));

    public Task<Role> GetRoleAsync(TokenInfo caller, string id, CancellationToken ct) =>
        AdminAsync(caller, "get_role", async () => await Store.FindRoleAsync(id, ct) ?? throw IdentityService.NotFound("role", id));

    public Task DeleteRoleAsync(TokenInfo caller, string id, CancellationToken ct) =>
        AdminAsync(caller, "delete_role", () => identity.DeleteRoleAsync(id, ct));

    public Task<IReadOnlyList<Role>> ListGrantsAsync(TokenInfo caller, string projectId, string userId, CancellationToken ct) =>
        AdminAsync(caller, "list_grants", () => Store.ListRolesForAsync(userId, projectId, ct));

    public Task GrantAsync(TokenInfo caller, string projectId, string userId, string roleId, CancellationToken ct) =>
        AdminAsync(caller, "create_grant", () => identity.GrantAsync(projectId, userId, roleId, ct));

    /// <summary>Nothing when the user holds the role on the project; Keystone's 404 otherwise.</summary>
    public Task CheckGrantAsync(TokenInfo caller, string projectId, string userId, string roleId, CancellationToken ct) =>
        AdminAsync(caller, "check_grant", async () =>
        {
            if (!await identity.HasGrantAsync(projectId, userId, roleId, ct))
            {
                throw KuraException.NotFound($"Could not find role assignment with role: {roleId}, user or group: {userId}, project, domain, or system: {projectId}.");
            }
        });

    public Task RevokeGrantAsync(TokenInfo caller, string projectId, string userId, string roleId, CancellationToken ct) =>
        AdminAsync(caller, "revoke_grant", () => identity.RevokeGrantAsync(projectId, userId, roleId, ct));

    /// <summary>
    /// Role assignments matching <paramref name="filter"/>, with the role, user and project (and their domains) looked
    /// up when <paramref name="withNames"/>; none when the request asks for domain, group or system scopes, which
    /// Kura's identity does not have.
    /// </summary>
    public Task<IReadOnlyList<AssignmentView>> ListAssignmentsAsync(TokenInfo caller, AssignmentFilter filter, bool otherScopesOnly, bool withNames, CancellationToken ct) =>
        AdminAsync(caller, "list_role_assignments", async () =>
        {
            var result = new List<AssignmentView>();
            if (otherScopesOnly)
            {
                return (IReadOnlyList<AssignmentView>)result;
            }

            foreach (var a in await Store.ListAssignmentsAsync(filter, ct))
            {
                if (!withNames)
                {
                    result.Add(new AssignmentView(a, null, null, null, null, null));
                    continue;
                }

                var user = await Store.FindUserAsync(a.UserId, ct);
                var project = await Store.FindProjectAsync(a.ProjectId, ct);
                result.Add(new AssignmentView(a, await Store.FindRoleAsync(a.RoleId, ct),
                    user, user is null ? null : await Store.FindDomainAsync(user.DomainId, ct),
                    project, project is null ? null : await Store.FindDomainAsync(project.DomainId, ct)));
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

    private static void RequireAdminOrSelf(TokenInfo caller, string userId, string action)
    {
        if (!caller.IsAdmin && caller.User.Id != userId)
        {
            throw KuraException.Forbidden($"You are not authorized to perform the requested action: identity:{action}.");
        }
    }
}

/// <summary>One role assignment, with what <c>include_names</c> shows of its role, user and project (null when not asked or gone).</summary>
public sealed record AssignmentView(RoleAssignment Assignment, Role? Role, User? User, IdentityDomain? UserDomain, Project? Project, IdentityDomain? ProjectDomain);
