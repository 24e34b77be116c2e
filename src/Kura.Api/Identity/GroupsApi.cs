using Kura.Api.Common;
using Kura.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kura.Api.Identity;

/// <summary>
/// Keystone's groups: CRUD, membership, and a user's groups. Roles of a group are assigned through IdentityAdminApi's
/// grants (<c>/projects/{p}/groups/{g}/roles/{r}</c>, <c>/domains/{d}/groups/{g}/roles/{r}</c>) and count for every
/// member's tokens. Admin only, except that a user may list their own groups.
/// </summary>
public static class GroupsApi
{
    public static IEndpointRouteBuilder MapGroups(this IEndpointRouteBuilder identity)
    {
        var v3 = identity.MapGroup("/v3");
        v3.MapGet("/groups", ListGroups);
        v3.MapPost("/groups", CreateGroup);
        v3.MapGet("/groups/{id}", ShowGroup);
        v3.MapPatch("/groups/{id}", UpdateGroup);
        v3.MapDelete("/groups/{id}", DeleteGroup);
        v3.MapGet("/groups/{id}/users", ListMembers);
        v3.MapPut("/groups/{id}/users/{userId}", AddMember);
        v3.MapMethods("/groups/{id}/users/{userId}", ["GET", "HEAD"], CheckMember);
        v3.MapDelete("/groups/{id}/users/{userId}", RemoveMember);
        v3.MapGet("/users/{userId}/groups", ListGroupsOfUser);
        return identity;
    }

    internal static object GroupJson(Group g, string v3) => new
    {
        id = g.Id,
        name = g.Name,
        domain_id = g.DomainId,
        description = g.Description,
        links = new { self = $"{v3}/groups/{g.Id}" },
    };

    private static async Task ListGroups(HttpContext ctx, IdentityService ids, IdentityAdminService admin)
    {
        var v3 = IdentityAdminApi.Url(ctx, ids);
        var groups = await admin.ListGroupsAsync(await IdentityAdminApi.CallerAsync(ctx, ids), IdentityAdminApi.Query(ctx, "name"), IdentityAdminApi.Query(ctx, "domain_id"), ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { groups = groups.Select(g => GroupJson(g, v3)), links = IdentityAdminApi.Links(ctx, v3, "/groups") });
    }

    private static async Task CreateGroup(HttpContext ctx, IdentityService ids, IdentityAdminService admin)
    {
        var caller = await IdentityAdminApi.CallerAsync(ctx, ids);
        IdentityAdminService.Authorize(caller, "create_group");
        var body = await IdentityAdminApi.BodyAsync(ctx, "group");
        var group = await admin.CreateGroupAsync(caller, IdentityApi.Str(body, "name") ?? throw IdentityApi.Malformed("name"),
            IdentityApi.Str(body, "domain_id"), IdentityApi.Str(body, "description"), ctx.RequestAborted);
        await Json.WriteAsync(ctx, 201, new { group = GroupJson(group, IdentityAdminApi.Url(ctx, ids)) });
    }

    private static async Task ShowGroup(HttpContext ctx, string id, IdentityService ids, IdentityAdminService admin)
    {
        var group = await admin.GetGroupAsync(await IdentityAdminApi.CallerAsync(ctx, ids), id, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { group = GroupJson(group, IdentityAdminApi.Url(ctx, ids)) });
    }

    private static async Task UpdateGroup(HttpContext ctx, string id, IdentityService ids, IdentityAdminService admin)
    {
        var caller = await IdentityAdminApi.CallerAsync(ctx, ids);
        IdentityAdminService.Authorize(caller, "update_group");
        var body = await IdentityAdminApi.BodyAsync(ctx, "group");
        if (IdentityApi.Str(body, "domain_id") is { } domainId && await admin.GetGroupAsync(caller, id, ctx.RequestAborted) is { } current && current.DomainId != domainId)
        {
            throw Kura.Domain.KuraException.BadRequest("Cannot change Domain ID.");
        }

        var group = await admin.UpdateGroupAsync(caller, id, IdentityApi.Str(body, "name"), IdentityApi.Str(body, "description"), ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { group = GroupJson(group, IdentityAdminApi.Url(ctx, ids)) });
    }

    private static async Task DeleteGroup(HttpContext ctx, string id, IdentityService ids, IdentityAdminService admin)
    {
        await admin.DeleteGroupAsync(await IdentityAdminApi.CallerAsync(ctx, ids), id, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }

    private static async Task ListMembers(HttpContext ctx, string id, IdentityService ids, IdentityAdminService admin)
    {
        var v3 = IdentityAdminApi.Url(ctx, ids);
        var users = await admin.ListGroupMembersAsync(await IdentityAdminApi.CallerAsync(ctx, ids), id, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { users = users.Select(u => IdentityAdminApi.UserJson(u, v3)), links = IdentityAdminApi.Links(ctx, v3, $"/groups/{id}/users") });
    }

    private static async Task AddMember(HttpContext ctx, string id, string userId, IdentityService ids, IdentityAdminService admin)
    {
        await admin.AddGroupMemberAsync(await IdentityAdminApi.CallerAsync(ctx, ids), id, userId, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }

    private static async Task CheckMember(HttpContext ctx, string id, string userId, IdentityService ids, IdentityAdminService admin)
    {
        await admin.CheckGroupMemberAsync(await IdentityAdminApi.CallerAsync(ctx, ids), id, userId, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }

    private static async Task RemoveMember(HttpContext ctx, string id, string userId, IdentityService ids, IdentityAdminService admin)
    {
        await admin.RemoveGroupMemberAsync(await IdentityAdminApi.CallerAsync(ctx, ids), id, userId, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }

    private static async Task ListGroupsOfUser(HttpContext ctx, string userId, IdentityService ids, IdentityAdminService admin)
    {
        var v3 = IdentityAdminApi.Url(ctx, ids);
        var groups = await admin.ListGroupsOfUserAsync(await IdentityAdminApi.CallerAsync(ctx, ids), userId, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new
        {
            groups = groups.Select(g => new { id = g.Id, name = g.Name, domain_id = g.DomainId, description = g.Description, membership_expires_at = (string?)null, links = new { self = $"{v3}/groups/{g.Id}" } }),
            links = IdentityAdminApi.Links(ctx, v3, $"/users/{userId}/groups"),
        });
    }
}
