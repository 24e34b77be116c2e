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

    private static Task<TokenInfo> CallerAsync(HttpContext ctx, IdentityService ids) => IdentityApi.AuthenticateAsync(ctx, ids);

    private static async Task<System.Text.Json.JsonElement> BodyAsync(HttpContext ctx, string member)
    {
        using var doc = await Json.ReadAsync(ctx.Request, ctx.RequestAborted) ?? throw IdentityApi.Malformed(member);
        return IdentityApi.Require(doc.RootElement, member, "the request body").Clone();
    }

    private static string? Query(HttpContext ctx, string key) => ctx.Request.Query.TryGetValue(key, out var v) ? v.ToString() : null;

    // ---- domains -------------------------------------------------------------------------------------------

    internal static async Task ListDomains(HttpContext ctx, IdentityService ids, IdentityAdminService admin)
    {
        var domains = await admin.ListDomainsAsync(await CallerAsync(ctx, ids), Query(ctx, "name"), ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { domains = domains.Select(d => DomainJson(d, Url(ctx, ids))), links = Links(ctx, Url(ctx, ids), "/domains") });
    }

    internal static async Task ShowDomain(HttpContext ctx, string id, IdentityService ids, IdentityAdminService admin)
    {
        var domain = await admin.GetDomainAsync(await CallerAsync(ctx, ids), id, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { domain = DomainJson(domain, Url(ctx, ids)) });
    }

    // ---- projects ------------------------------------------------------------------------------------------

    internal static async Task ListProjects(HttpContext ctx, IdentityService ids, IdentityAdminService admin)
    {
        var projects = await admin.ListProjectsAsync(await CallerAsync(ctx, ids), Query(ctx, "name"), Query(ctx, "domain_id"), ctx.RequestAborted);
        var baseUrl = BaseUrl.Of(ctx, ids.Options.PublicUrl);
        await Json.WriteAsync(ctx, 200, new { projects = projects.Select(p => ProjectJson(p, baseUrl)), links = Links(ctx, Url(ctx, ids), "/projects") });
    }

    internal static async Task CreateProject(HttpContext ctx, IdentityService ids, IdentityAdminService admin)
    {
        var caller = await CallerAsync(ctx, ids);
        IdentityAdminService.Authorize(caller, "create_project");
        var body = await BodyAsync(ctx, "project");
        var name = IdentityApi.Str(body, "name") ?? throw IdentityApi.Malformed("name");
        var project = await admin.CreateProjectAsync(caller, name, IdentityApi.Str(body, "domain_id"), IdentityApi.Str(body, "description"),
            IdentityApi.Bool(body, "enabled") ?? true, IdentityApi.Str(body, "appkey"), ctx.RequestAborted);
        await Json.WriteAsync(ctx, 201, new { project = ProjectJson(project, BaseUrl.Of(ctx, ids.Options.PublicUrl)) });
    }

    internal static async Task ShowProject(HttpContext ctx, string id, IdentityService ids, IdentityAdminService admin)
    {
        var project = await admin.GetProjectAsync(await CallerAsync(ctx, ids), id, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { project = ProjectJson(project, BaseUrl.Of(ctx, ids.Options.PublicUrl)) });
    }

    internal static async Task UpdateProject(HttpContext ctx, string id, IdentityService ids, IdentityAdminService admin)
    {
        var caller = await CallerAsync(ctx, ids);
        IdentityAdminService.Authorize(caller, "update_project");
        var body = await BodyAsync(ctx, "project");
        var project = await admin.UpdateProjectAsync(caller, id, IdentityApi.Str(body, "name"), IdentityApi.Str(body, "description"),
            IdentityApi.Bool(body, "enabled"), IdentityApi.Str(body, "appkey"), ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { project = ProjectJson(project, BaseUrl.Of(ctx, ids.Options.PublicUrl)) });
    }

    internal static async Task DeleteProject(HttpContext ctx, string id, IdentityService ids, IdentityAdminService admin)
    {
        await admin.DeleteProjectAsync(await CallerAsync(ctx, ids), id, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }

    // ---- users ---------------------------------------------------------------------------------------------

    internal static async Task ListUsers(HttpContext ctx, IdentityService ids, IdentityAdminService admin)
    {
        var users = await admin.ListUsersAsync(await CallerAsync(ctx, ids), Query(ctx, "name"), Query(ctx, "domain_id"), ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { users = users.Select(u => UserJson(u, Url(ctx, ids))), links = Links(ctx, Url(ctx, ids), "/users") });
    }

    internal static async Task CreateUser(HttpContext ctx, IdentityService ids, IdentityAdminService admin)
    {
        var caller = await CallerAsync(ctx, ids);
        IdentityAdminService.Authorize(caller, "create_user");
        var body = await BodyAsync(ctx, "user");
        var name = IdentityApi.Str(body, "name") ?? throw IdentityApi.Malformed("name");
        var user = await admin.CreateUserAsync(caller, name, IdentityApi.Str(body, "domain_id"), IdentityApi.Str(body, "password"),
            IdentityApi.Str(body, "default_project_id"), IdentityApi.Str(body, "email"), IdentityApi.Str(body, "description"),
            IdentityApi.Bool(body, "enabled") ?? true, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 201, new { user = UserJson(user, Url(ctx, ids)) });
    }

    internal static async Task ShowUser(HttpContext ctx, string id, IdentityService ids, IdentityAdminService admin)
    {
        var user = await admin.GetUserAsync(await CallerAsync(ctx, ids), id, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { user = UserJson(user, Url(ctx, ids)) });
    }

    internal static async Task UpdateUser(HttpContext ctx, string id, IdentityService ids, IdentityAdminService admin)
    {
        var caller = await CallerAsync(ctx, ids);
        IdentityAdminService.Authorize(caller, "update_user");
        var body = await BodyAsync(ctx, "user");
        var user = await admin.UpdateUserAsync(caller, id, IdentityApi.Str(body, "name"), IdentityApi.Str(body, "password"), IdentityApi.Bool(body, "enabled"),
            IdentityApi.Str(body, "default_project_id"), IdentityApi.Str(body, "email"), IdentityApi.Str(body, "description"), ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { user = UserJson(user, Url(ctx, ids)) });
    }

    internal static async Task DeleteUser(HttpContext ctx, string id, IdentityService ids, IdentityAdminService admin)
    {
        await admin.DeleteUserAsync(await CallerAsync(ctx, ids), id, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }

    internal static async Task ListUserProjects(HttpContext ctx, string id, IdentityService ids, IdentityAdminService admin)
    {
        var baseUrl = BaseUrl.Of(ctx, ids.Options.PublicUrl);
        var projects = (await admin.ListUserProjectsAsync(await CallerAsync(ctx, ids), id, ctx.RequestAborted)).Select(p => ProjectJson(p, baseUrl));
        await Json.WriteAsync(ctx, 200, new { projects, links = Links(ctx, Url(ctx, ids), $"/users/{id}/projects") });
    }

    // ---- roles and assignments -----------------------------------------------------------------------------

    internal static async Task ListRoles(HttpContext ctx, IdentityService ids, IdentityAdminService admin)
    {
        var roles = await admin.ListRolesAsync(await CallerAsync(ctx, ids), Query(ctx, "name"), ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { roles = roles.Select(r => RoleJson(r, Url(ctx, ids))), links = Links(ctx, Url(ctx, ids), "/roles") });
    }

    internal static async Task CreateRole(HttpContext ctx, IdentityService ids, IdentityAdminService admin)
    {
        var caller = await CallerAsync(ctx, ids);
        IdentityAdminService.Authorize(caller, "create_role");
        var body = await BodyAsync(ctx, "role");
        var role = await admin.CreateRoleAsync(caller, IdentityApi.Str(body, "name") ?? throw IdentityApi.Malformed("name"), IdentityApi.Str(body, "description"), ctx.RequestAborted);
        await Json.WriteAsync(ctx, 201, new { role = RoleJson(role, Url(ctx, ids)) });
    }

    internal static async Task ShowRole(HttpContext ctx, string id, IdentityService ids, IdentityAdminService admin)
    {
        var role = await admin.GetRoleAsync(await CallerAsync(ctx, ids), id, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { role = RoleJson(role, Url(ctx, ids)) });
    }

    internal static async Task DeleteRole(HttpContext ctx, string id, IdentityService ids, IdentityAdminService admin)
    {
        await admin.DeleteRoleAsync(await CallerAsync(ctx, ids), id, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }

    internal static async Task ListGrants(HttpContext ctx, string projectId, string userId, IdentityService ids, IdentityAdminService admin)
    {
        var roles = await admin.ListGrantsAsync(await CallerAsync(ctx, ids), projectId, userId, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { roles = roles.Select(r => RoleJson(r, Url(ctx, ids))), links = Links(ctx, Url(ctx, ids), $"/projects/{projectId}/users/{userId}/roles") });
    }

    internal static async Task Grant(HttpContext ctx, string projectId, string userId, string roleId, IdentityService ids, IdentityAdminService admin)
    {
        await admin.GrantAsync(await CallerAsync(ctx, ids), projectId, userId, roleId, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }

    internal static async Task CheckGrant(HttpContext ctx, string projectId, string userId, string roleId, IdentityService ids, IdentityAdminService admin)
    {
        await admin.CheckGrantAsync(await CallerAsync(ctx, ids), projectId, userId, roleId, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }

    internal static async Task RevokeGrant(HttpContext ctx, string projectId, string userId, string roleId, IdentityService ids, IdentityAdminService admin)
    {
        await admin.RevokeGrantAsync(await CallerAsync(ctx, ids), projectId, userId, roleId, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }

    /// <summary><c>GET /v3/role_assignments</c> with the user, project and role filters and <c>include_names</c>.</summary>
    internal static async Task ListAssignments(HttpContext ctx, IdentityService ids, IdentityAdminService admin)
    {
        var v3 = Url(ctx, ids);
        var onlyOtherScopes = Query(ctx, "scope.domain.id") is not null || Query(ctx, "group.id") is not null || Query(ctx, "scope.system") is not null;
        var names = Query(ctx, "include_names") is { } n && n is not ("0" or "false" or "False");
        var assignments = await admin.ListAssignmentsAsync(await CallerAsync(ctx, ids),
            new AssignmentFilter(Query(ctx, "user.id"), Query(ctx, "scope.project.id"), Query(ctx, "role.id")), onlyOtherScopes, names, ctx.RequestAborted);

        var result = new List<object>();
        foreach (var view in assignments)
        {
            var a = view.Assignment;
            object role = new { id = a.RoleId };
            object user = new { id = a.UserId };
            object project = new { id = a.ProjectId };
            if (names)
            {
                role = new { id = a.RoleId, name = view.Role?.Name };
                user = new { id = a.UserId, name = view.User?.Name, domain = new { id = view.UserDomain?.Id, name = view.UserDomain?.Name } };
                project = new { id = a.ProjectId, name = view.Project?.Name, domain = new { id = view.ProjectDomain?.Id, name = view.ProjectDomain?.Name } };
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
