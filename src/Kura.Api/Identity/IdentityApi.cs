using System.Text.Json;
using Kura.Api.Common;
using Kura.Domain;
using Kura.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kura.Api.Identity;

/// <summary>
/// Keystone's discovery documents and token API under <c>/identity</c> (reference §2.2.1 and PART 4): what
/// keystoneauth, openstacksdk, the openstack CLI and Tempest call to authenticate.
/// </summary>
public static class IdentityApi
{
    public static IEndpointRouteBuilder MapIdentity(this IEndpointRouteBuilder app)
    {
        var identity = app.MapGroup("/identity");
        identity.MapGet("", Versions);
        identity.MapGet("/v3", V3Version);
        identity.MapGet("/v2.0", V2Version);

        var tokens = identity.MapGroup("/v3/auth/tokens");
        tokens.MapPost("", IssueV3).RequireRateLimiting(IdentityOptions.PasswordRateLimitPolicy);
        tokens.MapGet("", ValidateV3);
        tokens.MapMethods("", ["HEAD"], CheckV3);
        tokens.MapDelete("", RevokeV3);
        identity.MapGet("/v3/auth/catalog", Catalog);
        identity.MapGet("/v3/auth/projects", AuthProjects);
        identity.MapGet("/v3/auth/domains", AuthDomains);

        identity.MapPost("/v2.0/tokens", IssueV2).RequireRateLimiting(IdentityOptions.PasswordRateLimitPolicy);

        identity.MapIdentityAdmin();
        return app;
    }

    private static string Base(HttpContext ctx, IdentityService ids) => BaseUrl.Of(ctx, ids.Options.PublicUrl);

    private static object V3Document(string baseUrl) => new
    {
        id = "v3.14",
        status = "stable",
        updated = "2020-04-07T00:00:00Z",
        links = new[] { new { rel = "self", href = baseUrl + "/identity/v3/" } },
        media_types = new[] { new { @base = "application/json", type = "application/vnd.openstack.identity-v3+json" } },
    };

    private static Dictionary<string, object> Renamed(object document)
    {
        // "media-types" is not a C# identifier.
        var element = JsonSerializer.SerializeToElement(document, Json.Options);
        return element.EnumerateObject().ToDictionary(p => p.Name == "media_types" ? "media-types" : p.Name, p => (object)p.Value);
    }

    private static Task Versions(HttpContext ctx, IdentityService ids) =>
        Json.WriteAsync(ctx, StatusCodes.Status300MultipleChoices, new { versions = new { values = new[] { Renamed(V3Document(Base(ctx, ids))) } } });

    private static Task V3Version(HttpContext ctx, IdentityService ids) =>
        Json.WriteAsync(ctx, StatusCodes.Status200OK, new { version = Renamed(V3Document(Base(ctx, ids))) });

    private static Task V2Version(HttpContext ctx, IdentityService ids) =>
        Json.WriteAsync(ctx, StatusCodes.Status200OK, new
        {
            version = new
            {
                id = "v2.0",
                status = "deprecated",
                updated = "2016-08-04T00:00:00Z",
                links = new[] { new { rel = "self", href = Base(ctx, ids) + "/identity/v2.0/" } },
            },
        });

    /// <summary>
    /// <c>POST /v3/auth/tokens</c>: the password, token or application_credential method; scoped to a project (by id,
    /// or by name in a domain) or a domain (by id or name), or unscoped. An application credential's token is always
    /// for its own project.
    /// </summary>
    private static async Task IssueV3(HttpContext ctx, IdentityService ids)
    {
        using var doc = await Json.ReadAsync(ctx.Request, ctx.RequestAborted) ?? throw Malformed("auth");
        var auth = Require(doc.RootElement, "auth", "the request body");
        var identity = Require(auth, "identity", "auth");
        var methods = Require(identity, "methods", "identity");
        if (methods.ValueKind != JsonValueKind.Array || methods.GetArrayLength() == 0)
        {
            throw Malformed("methods");
        }

        var methodList = methods.EnumerateArray().Select(m => m.ValueKind == JsonValueKind.String ? m.GetString()! : throw Malformed("methods")).ToList();
        User user;
        TokenRecord? parent = null;
        ApplicationCredential? credential = null;
        Project? project = null;
        IdentityDomain? scopeDomain = null;
        if (methodList.Contains("application_credential"))
        {
            var c = Require(identity, "application_credential", "identity");
            var secret = Str(c, "secret") ?? throw Malformed("secret");
            var owner = Opt(c, "user");
            var ownerDomain = owner is { } o ? Opt(o, "domain") : null;
            if (Str(c, "id") is null)
            {
                _ = Str(c, "name") ?? throw KuraException.BadRequest("Expecting to find name or ID in application credential. " + MalformedTail);
                _ = owner ?? throw KuraException.BadRequest("Expecting to find user in application credential. " + MalformedTail);
                if (Str(owner.Value, "id") is null && ownerDomain is null)
                {
                    throw KuraException.BadRequest("Expecting to find domain in user. " + MalformedTail);
                }
            }

            if (Opt(auth, "scope") is not null)
            {
                throw new KuraException(ErrorKind.Unauthorized, "Error authenticating with application credential: Application credentials cannot request a scope.");
            }

            (user, credential, project) = await ids.AuthenticateApplicationCredentialAsync(Str(c, "id"), Str(c, "name"),
                owner is { } u1 ? Str(u1, "id") : null, owner is { } u2 ? Str(u2, "name") : null,
                ownerDomain is { } d1 ? Str(d1, "id") : null, ownerDomain is { } d2 ? Str(d2, "name") : null, secret, ctx.RequestAborted);
        }
        else if (methodList.Contains("password"))
        {
            var userElement = Require(Require(identity, "password", "identity"), "user", "password");
            var password = Str(userElement, "password") ?? throw Malformed("password");
            var domain = Opt(userElement, "domain");
            user = await ids.AuthenticatePasswordAsync(Str(userElement, "id"), Str(userElement, "name"),
                domain is { } d ? Str(d, "id") : null, domain is { } d2 ? Str(d2, "name") : null, password, ctx.RequestAborted);
        }
        else if (methodList.Contains("token"))
        {
            var secret = Str(Require(identity, "token", "identity"), "id") ?? throw Malformed("id");
            var existing = await ids.ValidateAsync(secret, ctx.RequestAborted) ?? throw IdentityService.Unauthorized();
            user = existing.User;
            parent = existing.Token;
        }
        else
        {
            throw IdentityService.Unauthorized();
        }

        var scope = credential is null ? Opt(auth, "scope") : null;
        // "scope": "unscoped" asks for an unscoped token even when the user has a default project.
        var explicitlyUnscoped = scope is { ValueKind: JsonValueKind.String } && scope.Value.GetString() == "unscoped";
        if (scope is { ValueKind: JsonValueKind.Object })
        {
            if (scope.Value.EnumerateObject().Count(s => s.Name is "project" or "domain" or "system" or "OS-TRUST:trust" or "unscoped") > 1)
            {
                throw KuraException.BadRequest("Expecting to find system, project, domain, OS-TRUST:trust or unscoped in scope. " + MalformedTail);
            }

            if (Opt(scope.Value, "project") is { } p)
            {
                var domain = Opt(p, "domain");
                project = await ids.ResolveScopeProjectAsync(Str(p, "id"), Str(p, "name"),
                    domain is { } d ? Str(d, "id") : null, domain is { } d2 ? Str(d2, "name") : null, ctx.RequestAborted);
            }
            else if (Opt(scope.Value, "domain") is { } d)
            {
                if (Str(d, "id") is null && Str(d, "name") is null)
                {
                    throw KuraException.BadRequest("Invalid input for field scope/domain: id or name must be present.");
                }

                scopeDomain = await ids.ResolveScopeDomainAsync(Str(d, "id"), Str(d, "name"), ctx.RequestAborted);
            }
            else if (scope.Value.EnumerateObject().Any(s => s.Name != "unscoped"))
            {
                throw new KuraException(ErrorKind.Unauthorized, "Kura's identity service issues project-scoped, domain-scoped and unscoped tokens only (no system scope, no trusts).");
            }
        }
        else if (credential is null && parent?.ApplicationCredentialId is null && !explicitlyUnscoped && await ids.DefaultProjectAsync(user, ctx.RequestAborted) is { } defaultProject)
        {
            // As Keystone: with no scope, a token is scoped to the user's default project when the user has a role there.
            project = defaultProject;
        }

        if (parent?.ApplicationCredentialId is not null && project is null)
        {
            // Rescoping an application credential's token: only to its own project (IssueAsync refuses any other).
            project = await ids.ResolveScopeProjectAsync(parent.ProjectId, null, null, null, ctx.RequestAborted);
        }

        IReadOnlyList<string> issuedMethods = credential is not null ? ["application_credential"]
            : parent is null ? methodList
            : ["token", .. parent.Methods.Where(m => m != "token")];
        var (secret2, info) = await ids.IssueAsync(user, project, issuedMethods, parent, ctx.RequestAborted, scopeDomain, credential);
        ctx.Response.Headers["X-Subject-Token"] = secret2;
        await Json.WriteAsync(ctx, StatusCodes.Status201Created,
            TokenJson.V3(info, Base(ctx, ids), ids.Options.Region, !ctx.Request.Query.ContainsKey("nocatalog")));
    }

    private static async Task ValidateV3(HttpContext ctx, IdentityService ids)
    {
        var subject = await SubjectAsync(ctx, ids);
        await Json.WriteAsync(ctx, StatusCodes.Status200OK,
            TokenJson.V3(subject, Base(ctx, ids), ids.Options.Region, !ctx.Request.Query.ContainsKey("nocatalog")));
    }

    private static async Task CheckV3(HttpContext ctx, IdentityService ids)
    {
        await SubjectAsync(ctx, ids);
        ctx.Response.StatusCode = StatusCodes.Status200OK;
    }

    private static async Task RevokeV3(HttpContext ctx, IdentityService ids)
    {
        await SubjectAsync(ctx, ids);
        await ids.RevokeAsync(ctx.Request.Headers["X-Subject-Token"].ToString(), ctx.RequestAborted);
        ctx.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>The token named by <c>X-Subject-Token</c>; the caller must be an admin or the token's own user.</summary>
    private static async Task<TokenInfo> SubjectAsync(HttpContext ctx, IdentityService ids)
    {
        var caller = await AuthenticateAsync(ctx, ids);
        var subject = await ids.ValidateAsync(ctx.Request.Headers["X-Subject-Token"].ToString(), ctx.RequestAborted)
            ?? throw KuraException.NotFound("Failed to validate token");
        if (!caller.IsAdmin && caller.User.Id != subject.User.Id)
        {
            throw KuraException.Forbidden("You are not authorized to perform the requested action: identity:validate_token.");
        }

        return subject;
    }

    private static async Task Catalog(HttpContext ctx, IdentityService ids)
    {
        var caller = await AuthenticateAsync(ctx, ids);
        var catalog = caller.Project is null ? [] : TokenJson.Catalog(Base(ctx, ids), ids.Options.Region);
        await Json.WriteAsync(ctx, StatusCodes.Status200OK, new { catalog, links = new { self = Base(ctx, ids) + "/identity/v3/auth/catalog", previous = (string?)null, next = (string?)null } });
    }

    private static async Task AuthProjects(HttpContext ctx, IdentityService ids)
    {
        var caller = await AuthenticateAsync(ctx, ids);
        var projects = (await ids.ProjectsOfAsync(caller.User.Id, ctx.RequestAborted)).Select(p => IdentityAdminApi.ProjectJson(p, Base(ctx, ids))).ToList();

        await Json.WriteAsync(ctx, StatusCodes.Status200OK, new { projects, links = new { self = Base(ctx, ids) + "/identity/v3/auth/projects", previous = (string?)null, next = (string?)null } });
    }

    private static async Task AuthDomains(HttpContext ctx, IdentityService ids)
    {
        var caller = await AuthenticateAsync(ctx, ids);
        var v3 = Base(ctx, ids) + "/identity/v3";
        var domains = (await ids.DomainsOfAsync(caller.User.Id, ctx.RequestAborted)).Select(d => IdentityAdminApi.DomainJson(d, v3)).ToList();
        await Json.WriteAsync(ctx, StatusCodes.Status200OK, new { domains, links = new { self = v3 + "/auth/domains", previous = (string?)null, next = (string?)null } });
    }

    /// <summary><c>POST /v2.0/tokens</c> with <c>passwordCredentials</c> (or a token) and <c>tenantId</c> or <c>tenantName</c>.</summary>
    private static async Task IssueV2(HttpContext ctx, IdentityService ids)
    {
        using var doc = await Json.ReadAsync(ctx.Request, ctx.RequestAborted) ?? throw Malformed("auth");
        var auth = Require(doc.RootElement, "auth", "the request body");
        User user;
        TokenRecord? parent = null;
        if (Opt(auth, "passwordCredentials") is { } credentials)
        {
            var password = Str(credentials, "password") ?? throw Malformed("password");
            var userId = Str(credentials, "userId");
            var userName = Str(credentials, "username");
            user = await ids.AuthenticatePasswordAsync(userId, userName, IdentityService.DefaultDomainId, null, password, ctx.RequestAborted);
        }
        else if (Opt(auth, "token") is { } token)
        {
            var existing = await ids.ValidateAsync(Str(token, "id"), ctx.RequestAborted) ?? throw IdentityService.Unauthorized();
            user = existing.User;
            parent = existing.Token;
        }
        else
        {
            throw Malformed("passwordCredentials");
        }

        Project? project = null;
        var tenantId = Str(auth, "tenantId");
        var tenantName = Str(auth, "tenantName");
        if (tenantId is not null || tenantName is not null)
        {
            project = await ids.ResolveScopeProjectAsync(tenantId, tenantName, IdentityService.DefaultDomainId, null, ctx.RequestAborted);
        }

        var (secret, info) = await ids.IssueAsync(user, project, ["password"], parent, ctx.RequestAborted);
        await Json.WriteAsync(ctx, StatusCodes.Status200OK, TokenJson.V2(info, secret, Base(ctx, ids), ids.Options.Region));
    }

    /// <summary>The caller's own token (<c>X-Auth-Token</c>), or Keystone's 401.</summary>
    internal static async Task<TokenInfo> AuthenticateAsync(HttpContext ctx, IdentityService ids) =>
        await ids.ValidateAsync(ctx.Request.Headers["X-Auth-Token"].ToString(), ctx.RequestAborted) ?? throw IdentityService.Unauthorized();

    internal static JsonElement Require(JsonElement parent, string name, string where) =>
        Opt(parent, name) ?? throw KuraException.BadRequest($"Expecting to find {name} in {where}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.");

    internal static JsonElement? Opt(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    internal static string? Str(JsonElement parent, string name) =>
        Opt(parent, name) is { } value
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw KuraException.BadRequest($"Invalid input for field '{name}': it must be a string.")
            : null;

    internal static bool? Bool(JsonElement parent, string name) =>
        Opt(parent, name) is { } value
            ? value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw KuraException.BadRequest($"Invalid input for field '{name}': it must be a boolean.")
            : null;

    internal static KuraException Malformed(string field) => KuraException.BadRequest($"Expecting to find {field} in the request. {MalformedTail}");

    internal const string MalformedTail = IdentityService.MalformedTail;
}
