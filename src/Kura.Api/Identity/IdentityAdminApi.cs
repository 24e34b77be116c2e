using Kura.Api.Common;
using Kura.Domain;
using Kura.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kura.Api.Identity;

/// <summary>
/// The part of Keystone's v3 admin API the openstack CLI and Horizon need for domains, projects, users, roles and role
/// assignments (of users and groups, on projects and domains); groups are GroupsApi's, a user's own password and
/// application credentials SelfServiceApi's. Every call needs an admin token, except that a user may read their own
/// user record and projects.
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

        // Grants: /{projects|domains}/{target}/{users|groups}/{actor}/roles[/{roleId}], one set of handlers for the four kinds.
        foreach (var onDomain in new[] { false, true })
        {
            foreach (var toGroup in new[] { false, true })
            {
                var path = $"/{(onDomain ? "domains" : "projects")}/{{targetId}}/{(toGroup ? "groups" : "users")}/{{actorId}}/roles";
                Func<string, string, string, RoleAssignment> of = (target, actor, role) => RoleAssignment.Of(toGroup, actor, onDomain, target, role);
                v3.MapGet(path, (HttpContext ctx, string targetId, string actorId, IdentityService ids, IdentityAdminService admin) =>
                    ListGrants(ctx, of(targetId, actorId, string.Empty), ids, admin));
                v3.MapPut(path + "/{roleId}", (HttpContext ctx, string targetId, string actorId, string roleId, IdentityService ids, IdentityAdminService admin) =>
                    Grant(ctx, of(targetId, actorId, roleId), ids, admin));
                v3.MapMethods(path + "/{roleId}", ["GET", "HEAD"], (HttpContext ctx, string targetId, string actorId, string roleId, IdentityService ids, IdentityAdminService admin) =>
                    CheckGrant(ctx, of(targetId, actorId, roleId), ids, admin));
                v3.MapDelete(path + "/{roleId}", (HttpContext ctx, string targetId, string actorId, string roleId, IdentityService ids, IdentityAdminService admin) =>
                    RevokeGrant(ctx, of(targetId, actorId, roleId), ids, admin));
            }
        }

        v3.MapGet("/role_assignments", ListAssignments);
        identity.MapGroups();
        identity.MapSelfService();
        return identity;
    }

    // ---- JSON shapes ---------------------------------------------------------------------------------------

    internal static string Url(HttpContext ctx, IdentityService ids) => BaseUrl.Of(ctx, ids.Options.PublicUrl) + "/identity/v3";

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

    internal static Dictionary<string, object?> UserJson(User u, string v3)
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

    internal static object RoleJson(Role r, string v3) => new
    {
        id = r.Id,
        name = r.Name,
        domain_id = r.DomainId,
        description = r.Description,
        options = new { },
        links = new { self = $"{v3}/roles/{r.Id}" },
    };

    internal static object DomainJson(IdentityDomain d, string v3) => new
    {
        id = d.Id,
        name = d.Name,
        description = d.Description,
        enabled = d.Enabled,
        tags = Array.Empty<string>(),
        options = new { },
        links = new { self = $"{v3}/domains/{d.Id}" },
    };

    internal static object Links(HttpContext ctx, string v3, string path) =>
        new { self = v3 + path, previous = (string?)null, next = (string?)null };

    internal static Task<TokenInfo> CallerAsync(HttpContext ctx, IdentityService ids) => IdentityApi.AuthenticateAsync(ctx, ids);

    internal static async Task<System.Text.Json.JsonElement> BodyAsync(HttpContext ctx, string member)
    {
        using var doc = await Json.ReadAsync(ctx.Request, ctx.RequestAborted) ?? throw IdentityApi.Malformed(member);
        return IdentityApi.Require(doc.RootElement, member, "the request body").Clone();
    }

    internal static string? Query(HttpContext ctx, string key) => ctx.Request.Query.TryGetValue(key, out var v) ? v.ToString() : null;

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

    private static string GrantPath(RoleAssignment a) =>
        $"/{(a.OnDomain ? "domains" : "projects")}/{a.TargetId}/{(a.ToGroup ? "groups" : "users")}/{a.ActorId}/roles";

    internal static async Task ListGrants(HttpContext ctx, RoleAssignment scope, IdentityService ids, IdentityAdminService admin)
    {
        var roles = await admin.ListGrantsAsync(await CallerAsync(ctx, ids), scope, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { roles = roles.Select(r => RoleJson(r, Url(ctx, ids))), links = Links(ctx, Url(ctx, ids), GrantPath(scope)) });
    }

    internal static async Task Grant(HttpContext ctx, RoleAssignment assignment, IdentityService ids, IdentityAdminService admin)
    {
        await admin.GrantAsync(await CallerAsync(ctx, ids), assignment, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }

    internal static async Task CheckGrant(HttpContext ctx, RoleAssignment assignment, IdentityService ids, IdentityAdminService admin)
    {
        await admin.CheckGrantAsync(await CallerAsync(ctx, ids), assignment, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }

    internal static async Task RevokeGrant(HttpContext ctx, RoleAssignment assignment, IdentityService ids, IdentityAdminService admin)
    {
        await admin.RevokeGrantAsync(await CallerAsync(ctx, ids), assignment, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }

    /// <summary>
    /// <c>GET /v3/role_assignments</c> with the user, group, project, domain and role filters, <c>effective</c> (group
    /// assignments expanded to their members, with <c>links.membership</c>) and <c>include_names</c>.
    /// </summary>
    internal static async Task ListAssignments(HttpContext ctx, IdentityService ids, IdentityAdminService admin)
    {
        var v3 = Url(ctx, ids);
        var names = Flag(ctx, "include_names");
        var effective = Query(ctx, "effective") is not null; // as Keystone: its presence, whatever its value
        var filter = new AssignmentFilter(Query(ctx, "user.id"), Query(ctx, "scope.project.id"), Query(ctx, "role.id"))
        {
            GroupId = Query(ctx, "group.id"),
            DomainId = Query(ctx, "scope.domain.id"),
        };
        var assignments = await admin.ListAssignmentsAsync(await CallerAsync(ctx, ids), filter, effective,
            Query(ctx, "scope.system") is not null, names, ctx.RequestAborted);

        var result = new List<object>();
        foreach (var view in assignments)
        {
            var a = view.Assignment;
            var entry = new Dictionary<string, object?>();
            object target = !names ? new { id = a.TargetId }
                : a.OnDomain ? new { id = a.TargetId, name = view.ProjectDomain?.Name }
                : new { id = a.TargetId, name = view.Project?.Name, domain = new { id = view.ProjectDomain?.Id, name = view.ProjectDomain?.Name } };
            entry["scope"] = a.OnDomain ? new { domain = target } : new { project = target };
            entry["role"] = names ? new { id = a.RoleId, name = view.Role?.Name } : new { id = a.RoleId };
            var actor = names
                ? new { id = a.ActorId, name = a.ToGroup ? view.Group?.Name : view.User?.Name, domain = new { id = view.UserDomain?.Id, name = view.UserDomain?.Name } }
                : (object)new { id = a.ActorId };
            entry[a.ToGroup ? "group" : "user"] = actor;
            var grant = view.ViaGroupId is { } via ? RoleAssignment.Of(true, via, a.OnDomain, a.TargetId, a.RoleId) : a;
            entry["links"] = view.ViaGroupId is null
                ? new { assignment = $"{v3}{GrantPath(grant)}/{a.RoleId}" }
                : new { assignment = $"{v3}{GrantPath(grant)}/{a.RoleId}", membership = $"{v3}/groups/{view.ViaGroupId}/users/{a.ActorId}" };
            result.Add(entry);
        }

        await Json.WriteAsync(ctx, 200, new { role_assignments = result, links = Links(ctx, v3, "/role_assignments") });
    }

    /// <summary>Keystone's reading of a flag in the query string: present and not <c>0</c> or <c>false</c>.</summary>
    internal static bool Flag(HttpContext ctx, string key) => Query(ctx, key) is { } v && v is not ("0" or "false" or "False");
}
