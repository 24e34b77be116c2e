using Kura.Api.Common;
using Kura.Domain;
using Kura.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kura.Api.Identity;

/// <summary>
/// The part of Keystone's v3 admin API the openstack CLI needs for projects, users, roles and role assignments in
/// the Default domain. Every call needs an admin token, except that a user may read their own user record.
/// </summary>
public static class IdentityAdminApi
{
    public static IEndpointRouteBuilder MapIdentityAdmin(this IEndpointRouteBuilder identity)
    {
        var v3 = identity.MapGroup("/v3");
        v3.MapGet("/domains", ListDomains);
        v3.MapGet("/domains/{id}", ShowDomain);

        v3.MapGet("/projects", ListProjects);
        v3.MapPost("/projects", CreateProject);
        v3.MapGet("/projects/{id}", ShowProject);
        v3.MapPatch("/projects/{id}", UpdateProject);
        v3.MapDelete("/projects/{id}", DeleteProject);

        v3.MapGet("/users", ListUsers);
        v3.MapPost("/users", CreateUser);
        v3.MapGet("/users/{id}", ShowUser);
        v3.MapPatch("/users/{id}", UpdateUser);
        v3.MapDelete("/users/{id}", DeleteUser);
        v3.MapGet("/users/{id}/projects", ListUserProjects);

        v3.MapGet("/roles", ListRoles);
        v3.MapPost("/roles", CreateRole);
        v3.MapGet("/roles/{id}", ShowRole);
        v3.MapDelete("/roles/{id}", DeleteRole);

        v3.MapGet("/projects/{projectId}/users/{userId}/roles", ListGrants);
        v3.MapPut("/projects/{projectId}/users/{userId}/roles/{roleId}", Grant);
        v3.MapMethods("/projects/{projectId}/users/{userId}/roles/{roleId}", ["HEAD"], CheckGrant);
        v3.MapGet("/projects/{projectId}/users/{userId}/roles/{roleId}", CheckGrant);
        v3.MapDelete("/projects/{projectId}/users/{userId}/roles/{roleId}", RevokeGrant);
        v3.MapGet("/role_assignments", ListAssignments);
        return identity;
    }

    // ---- JSON shapes ---------------------------------------------------------------------------------------

    private static string Url(HttpContext ctx, IdentityService ids) => BaseUrl.Of(ctx, ids.Options.PublicUrl) + "/identity/v3";

    internal static object ProjectJson(Project p, string baseUrl) => new
    {
        id = p.Id,
        name = p.Name,
        domain_id = p.DomainId,
        description = p.Description,
        enabled = p.Enabled,
        parent_id = p.DomainId,
        is_domain = false,
        tags = Array.Empty<string>(),
        options = new { },
        // Kura's extra attribute (Keystone renders extra attributes at the top level): the NHN v1.0 appkey.
        appkey = p.Appkey,
        links = new { self = $"{baseUrl}/identity/v3/projects/{p.Id}" },
    };

    private static Dictionary<string, object?> UserJson(User u, string v3)
    {
        var json = new Dictionary<string, object?>
        {
            ["id"] = u.Id,
            ["name"] = u.Name,
            ["domain_id"] = u.DomainId,
            ["enabled"] = u.Enabled,
            ["password_expires_at"] = null,
            ["options"] = new { },
            ["links"] = new { self = $"{v3}/users/{u.Id}" },
        };
        if (u.DefaultProjectId is not null)
        {
            json["default_project_id"] = u.DefaultProjectId;
        }

        if (u.Email is not null)
        {
            json["email"] = u.Email;
        }

        if (u.Description is not null)
        {
            json["description"] = u.Description;
        }

        return json;
    }

    private static object RoleJson(Role r, string v3) => new
    {
        id = r.Id,
        name = r.Name,
        domain_id = r.DomainId,
        description = r.Description,
        options = new { },
        links = new { self = $"{v3}/roles/{r.Id}" },
    };

    private static object DomainJson(IdentityDomain d, string v3) => new
    {
        id = d.Id,
        name = d.Name,
        description = d.Description,
        enabled = d.Enabled,
        tags = Array.Empty<string>(),
        options = new { },
        links = new { self = $"{v3}/domains/{d.Id}" },
    };

    private static object Links(HttpContext ctx, string v3, string path) =>
        new { self = v3 + path, previous = (string?)null, next = (string?)null };

    private static async Task<TokenInfo> AdminAsync(HttpContext ctx, IdentityService ids, string action)
    {
        var caller = await IdentityApi.AuthenticateAsync(ctx, ids);
        return caller.IsAdmin
            ? caller
            : throw KuraException.Forbidden($"You are not authorized to perform the requested action: identity:{action}.");
    }

    private static async Task<System.Text.Json.JsonElement> BodyAsync(HttpContext ctx, string member)
    {
        using var doc = await Json.ReadAsync(ctx.Request, ctx.RequestAborted) ?? throw IdentityApi.Malformed(member);
        return IdentityApi.Require(doc.RootElement, member, "the request body").Clone();
    }

    private static string? Query(HttpContext ctx, string key) => ctx.Request.Query.TryGetValue(key, out var v) ? v.ToString() : null;

    // ---- domains -------------------------------------------------------------------------------------------

    private static async Task ListDomains(HttpContext ctx, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "list_domains");
        var name = Query(ctx, "name");
        var domains = (await ids.Store.ListDomainsAsync(ctx.RequestAborted)).Where(d => name is null || d.Name == name);
        await Json.WriteAsync(ctx, 200, new { domains = domains.Select(d => DomainJson(d, Url(ctx, ids))), links = Links(ctx, Url(ctx, ids), "/domains") });
    }

    private static async Task ShowDomain(HttpContext ctx, string id, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "get_domain");
        var domain = await ids.Store.FindDomainAsync(id, ctx.RequestAborted) ?? throw IdentityService.NotFound("domain", id);
        await Json.WriteAsync(ctx, 200, new { domain = DomainJson(domain, Url(ctx, ids)) });
    }

    // ---- projects ------------------------------------------------------------------------------------------

    private static async Task ListProjects(HttpContext ctx, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "list_projects");
        var projects = await ids.Store.ListProjectsAsync(Query(ctx, "name"), Query(ctx, "domain_id"), ctx.RequestAborted);
        var baseUrl = BaseUrl.Of(ctx, ids.Options.PublicUrl);
        await Json.WriteAsync(ctx, 200, new { projects = projects.Select(p => ProjectJson(p, baseUrl)), links = Links(ctx, Url(ctx, ids), "/projects") });
    }

    private static async Task CreateProject(HttpContext ctx, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "create_project");
        var body = await BodyAsync(ctx, "project");
        var name = IdentityApi.Str(body, "name") ?? throw IdentityApi.Malformed("name");
        var project = await ids.CreateProjectAsync(name, IdentityApi.Str(body, "domain_id"), IdentityApi.Str(body, "description"),
            IdentityApi.Bool(body, "enabled") ?? true, IdentityApi.Str(body, "appkey"), ctx.RequestAborted);
        await Json.WriteAsync(ctx, 201, new { project = ProjectJson(project, BaseUrl.Of(ctx, ids.Options.PublicUrl)) });
    }

    private static async Task ShowProject(HttpContext ctx, string id, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "get_project");
        var project = await ids.Store.FindProjectAsync(id, ctx.RequestAborted) ?? throw IdentityService.NotFound("project", id);
        await Json.WriteAsync(ctx, 200, new { project = ProjectJson(project, BaseUrl.Of(ctx, ids.Options.PublicUrl)) });
    }

    private static async Task UpdateProject(HttpContext ctx, string id, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "update_project");
        var body = await BodyAsync(ctx, "project");
        var project = await ids.UpdateProjectAsync(id, IdentityApi.Str(body, "name"), IdentityApi.Str(body, "description"),
            IdentityApi.Bool(body, "enabled"), IdentityApi.Str(body, "appkey"), ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { project = ProjectJson(project, BaseUrl.Of(ctx, ids.Options.PublicUrl)) });
    }

    private static async Task DeleteProject(HttpContext ctx, string id, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "delete_project");
        await ids.DeleteProjectAsync(id, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }

    // ---- users ---------------------------------------------------------------------------------------------

    private static async Task ListUsers(HttpContext ctx, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "list_users");
        var users = await ids.Store.ListUsersAsync(Query(ctx, "name"), Query(ctx, "domain_id"), ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { users = users.Select(u => UserJson(u, Url(ctx, ids))), links = Links(ctx, Url(ctx, ids), "/users") });
    }

    private static async Task CreateUser(HttpContext ctx, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "create_user");
        var body = await BodyAsync(ctx, "user");
        var name = IdentityApi.Str(body, "name") ?? throw IdentityApi.Malformed("name");
        var user = await ids.CreateUserAsync(name, IdentityApi.Str(body, "domain_id"), IdentityApi.Str(body, "password"),
            IdentityApi.Str(body, "default_project_id"), IdentityApi.Str(body, "email"), IdentityApi.Str(body, "description"),
            IdentityApi.Bool(body, "enabled") ?? true, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 201, new { user = UserJson(user, Url(ctx, ids)) });
    }

    private static async Task ShowUser(HttpContext ctx, string id, IdentityService ids)
    {
        var caller = await IdentityApi.AuthenticateAsync(ctx, ids);
        if (!caller.IsAdmin && caller.User.Id != id)
        {
            throw KuraException.Forbidden("You are not authorized to perform the requested action: identity:get_user.");
        }

        var user = await ids.Store.FindUserAsync(id, ctx.RequestAborted) ?? throw IdentityService.NotFound("user", id);
        await Json.WriteAsync(ctx, 200, new { user = UserJson(user, Url(ctx, ids)) });
    }

    private static async Task UpdateUser(HttpContext ctx, string id, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "update_user");
        var body = await BodyAsync(ctx, "user");
        var user = await ids.UpdateUserAsync(id, IdentityApi.Str(body, "name"), IdentityApi.Str(body, "password"), IdentityApi.Bool(body, "enabled"),
            IdentityApi.Str(body, "default_project_id"), IdentityApi.Str(body, "email"), IdentityApi.Str(body, "description"), ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { user = UserJson(user, Url(ctx, ids)) });
    }

    private static async Task DeleteUser(HttpContext ctx, string id, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "delete_user");
        await ids.DeleteUserAsync(id, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }

    private static async Task ListUserProjects(HttpContext ctx, string id, IdentityService ids)
    {
        var caller = await IdentityApi.AuthenticateAsync(ctx, ids);
        if (!caller.IsAdmin && caller.User.Id != id)
        {
            throw KuraException.Forbidden("You are not authorized to perform the requested action: identity:list_user_projects.");
        }

        _ = await ids.Store.FindUserAsync(id, ctx.RequestAborted) ?? throw IdentityService.NotFound("user", id);
        var baseUrl = BaseUrl.Of(ctx, ids.Options.PublicUrl);
        var projects = new List<object>();
        foreach (var projectId in (await ids.Store.ListAssignmentsAsync(new AssignmentFilter(id, null, null), ctx.RequestAborted)).Select(a => a.ProjectId).Distinct())
        {
            if (await ids.Store.FindProjectAsync(projectId, ctx.RequestAborted) is { } project)
            {
                projects.Add(ProjectJson(project, baseUrl));
            }
        }

        await Json.WriteAsync(ctx, 200, new { projects, links = Links(ctx, Url(ctx, ids), $"/users/{id}/projects") });
    }

    // ---- roles and assignments -----------------------------------------------------------------------------

    private static async Task ListRoles(HttpContext ctx, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "list_roles");
        var roles = await ids.Store.ListRolesAsync(Query(ctx, "name"), ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { roles = roles.Select(r => RoleJson(r, Url(ctx, ids))), links = Links(ctx, Url(ctx, ids), "/roles") });
    }

    private static async Task CreateRole(HttpContext ctx, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "create_role");
        var body = await BodyAsync(ctx, "role");
        var role = await ids.CreateRoleAsync(IdentityApi.Str(body, "name") ?? throw IdentityApi.Malformed("name"), IdentityApi.Str(body, "description"), ctx.RequestAborted);
        await Json.WriteAsync(ctx, 201, new { role = RoleJson(role, Url(ctx, ids)) });
    }

    private static async Task ShowRole(HttpContext ctx, string id, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "get_role");
        var role = await ids.Store.FindRoleAsync(id, ctx.RequestAborted) ?? throw IdentityService.NotFound("role", id);
        await Json.WriteAsync(ctx, 200, new { role = RoleJson(role, Url(ctx, ids)) });
    }

    private static async Task DeleteRole(HttpContext ctx, string id, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "delete_role");
        await ids.DeleteRoleAsync(id, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }

    private static async Task ListGrants(HttpContext ctx, string projectId, string userId, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "list_grants");
        var roles = await ids.Store.ListRolesForAsync(userId, projectId, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { roles = roles.Select(r => RoleJson(r, Url(ctx, ids))), links = Links(ctx, Url(ctx, ids), $"/projects/{projectId}/users/{userId}/roles") });
    }

    private static async Task Grant(HttpContext ctx, string projectId, string userId, string roleId, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "create_grant");
        await ids.GrantAsync(projectId, userId, roleId, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }

    private static async Task CheckGrant(HttpContext ctx, string projectId, string userId, string roleId, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "check_grant");
        if (!await ids.HasGrantAsync(projectId, userId, roleId, ctx.RequestAborted))
        {
            throw KuraException.NotFound($"Could not find role assignment with role: {roleId}, user or group: {userId}, project, domain, or system: {projectId}.");
        }

        ctx.Response.StatusCode = 204;
    }

    private static async Task RevokeGrant(HttpContext ctx, string projectId, string userId, string roleId, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "revoke_grant");
        await ids.RevokeGrantAsync(projectId, userId, roleId, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }

    /// <summary><c>GET /v3/role_assignments</c> with the user, project and role filters and <c>include_names</c>.</summary>
    private static async Task ListAssignments(HttpContext ctx, IdentityService ids)
    {
        await AdminAsync(ctx, ids, "list_role_assignments");
        var v3 = Url(ctx, ids);
        var ct = ctx.RequestAborted;
        var onlyOtherScopes = Query(ctx, "scope.domain.id") is not null || Query(ctx, "group.id") is not null || Query(ctx, "scope.system") is not null;
        var assignments = onlyOtherScopes
            ? []
            : await ids.Store.ListAssignmentsAsync(new AssignmentFilter(Query(ctx, "user.id"), Query(ctx, "scope.project.id"), Query(ctx, "role.id")), ct);
        var names = Query(ctx, "include_names") is { } n && n is not ("0" or "false" or "False");

        var result = new List<object>();
        foreach (var a in assignments)
        {
            object role = new { id = a.RoleId };
            object user = new { id = a.UserId };
            object project = new { id = a.ProjectId };
            if (names)
            {
                var r = await ids.Store.FindRoleAsync(a.RoleId, ct);
                var u = await ids.Store.FindUserAsync(a.UserId, ct);
                var p = await ids.Store.FindProjectAsync(a.ProjectId, ct);
                var ud = u is null ? null : await ids.Store.FindDomainAsync(u.DomainId, ct);
                var pd = p is null ? null : await ids.Store.FindDomainAsync(p.DomainId, ct);
                role = new { id = a.RoleId, name = r?.Name };
                user = new { id = a.UserId, name = u?.Name, domain = new { id = ud?.Id, name = ud?.Name } };
                project = new { id = a.ProjectId, name = p?.Name, domain = new { id = pd?.Id, name = pd?.Name } };
            }

            result.Add(new
            {
                scope = new { project },
                role,
                user,
                links = new { assignment = $"{v3}/projects/{a.ProjectId}/users/{a.UserId}/roles/{a.RoleId}" },
            });
        }

        await Json.WriteAsync(ctx, 200, new { role_assignments = result, links = Links(ctx, v3, "/role_assignments") });
    }
}
