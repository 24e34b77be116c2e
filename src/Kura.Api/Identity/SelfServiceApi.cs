using System.Globalization;
using System.Text.Json;
using Kura.Api.Common;
using Kura.Domain;
using Kura.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kura.Api.Identity;

/// <summary>
/// What a user does for themself: change their password (<c>POST /v3/users/{id}/password</c>, authorized by the
/// original password alone, as Keystone) and manage their application credentials
/// (<c>/v3/users/{id}/application_credentials</c>; the secret is shown once, in the creation's answer).
/// </summary>
public static class SelfServiceApi
{
    public static IEndpointRouteBuilder MapSelfService(this IEndpointRouteBuilder identity)
    {
        var v3 = identity.MapGroup("/v3/users/{userId}");
        v3.MapPost("/password", ChangePassword).RequireRateLimiting(IdentityOptions.PasswordRateLimitPolicy);
        v3.MapGet("/application_credentials", ListCredentials);
        v3.MapPost("/application_credentials", CreateCredential);
        v3.MapGet("/application_credentials/{id}", ShowCredential);
        v3.MapDelete("/application_credentials/{id}", DeleteCredential);
        return identity;
    }

    /// <summary>As Keystone: 204 when the original password is right, whatever token (if any) came with the request.</summary>
    private static async Task ChangePassword(HttpContext ctx, string userId, IdentityService ids)
    {
        var body = await IdentityAdminApi.BodyAsync(ctx, "user");
        var extra = body.ValueKind == JsonValueKind.Object ? body.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => n is not ("password" or "original_password")) : null;
        if (extra is not null)
        {
            throw KuraException.BadRequest($"Additional properties are not allowed ('{extra}' was unexpected)");
        }

        var original = IdentityApi.Str(body, "original_password") ?? throw RequiredProperty("original_password");
        var password = IdentityApi.Str(body, "password") ?? throw RequiredProperty("password");
        await ids.ChangePasswordAsync(userId, original, password, ctx.RequestAborted);
        ctx.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static KuraException RequiredProperty(string name) => KuraException.BadRequest($"'{name}' is a required property");

    internal static Dictionary<string, object?> CredentialJson(ApplicationCredential c, string v3, string? secret = null)
    {
        var json = new Dictionary<string, object?>
        {
            ["id"] = c.Id,
            ["name"] = c.Name,
            ["description"] = c.Description,
            ["user_id"] = c.UserId,
            ["project_id"] = c.ProjectId,
            ["roles"] = c.Roles.Select(r => new { id = r.Id, name = r.Name, domain_id = (string?)null }).ToArray(),
            ["expires_at"] = c.ExpiresAt is { } e ? ExpiresAt(e) : null,
            ["unrestricted"] = c.Unrestricted,
            ["system"] = null,
            ["access_rules"] = Array.Empty<object>(),
            ["links"] = new { self = $"{v3}/users/{c.UserId}/application_credentials/{c.Id}" },
        };
        if (secret is not null)
        {
            json["secret"] = secret;
        }

        return json;
    }

    /// <summary>Keystone writes an application credential's expiry without a zone (it is UTC).</summary>
    internal static string ExpiresAt(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    private static async Task CreateCredential(HttpContext ctx, string userId, IdentityService ids, IdentityAdminService admin)
    {
        var caller = await IdentityAdminApi.CallerAsync(ctx, ids);
        var body = await IdentityAdminApi.BodyAsync(ctx, "application_credential");
        var name = IdentityApi.Str(body, "name") ?? throw RequiredProperty("name");
        DateTimeOffset? expires = null;
        if (IdentityApi.Str(body, "expires_at") is { } text)
        {
            // Keystone's reading: an ISO 8601 time in UTC, with or without a trailing Z; an offset is refused.
            var utc = text.EndsWith('Z') ? text[..^1] : text;
            string[] formats = ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd"];
            expires = DateTime.TryParseExact(utc, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
                ? new DateTimeOffset(parsed, TimeSpan.Zero)
                : throw KuraException.BadRequest("Timestamp not in expected format. " + IdentityApi.MalformedTail);
        }

        List<(string? Id, string? Name)>? roles = null;
        if (IdentityApi.Opt(body, "roles") is { } list)
        {
            if (list.ValueKind != JsonValueKind.Array)
            {
                throw KuraException.BadRequest("Invalid input for field 'roles': it must be an array.");
            }

            roles = list.EnumerateArray().Select(r => r.ValueKind == JsonValueKind.Object && (IdentityApi.Str(r, "id") is not null || IdentityApi.Str(r, "name") is not null)
                ? (IdentityApi.Str(r, "id"), IdentityApi.Str(r, "name"))
                : throw KuraException.BadRequest("Invalid input for field 'roles': each role is an object with an 'id' or a 'name'.")).ToList();
        }

        if (IdentityApi.Opt(body, "access_rules") is { ValueKind: JsonValueKind.Array } rules && rules.GetArrayLength() > 0)
        {
            throw KuraException.BadRequest("Invalid input for field 'access_rules': Kura's identity does not support access rules; leave them out.");
        }

        var (credential, secret) = await admin.CreateApplicationCredentialAsync(caller, userId, name, IdentityApi.Str(body, "description"),
            IdentityApi.Str(body, "secret"), expires, roles, IdentityApi.Bool(body, "unrestricted") ?? false, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 201, new { application_credential = CredentialJson(credential, IdentityAdminApi.Url(ctx, ids), secret) });
    }

    private static async Task ListCredentials(HttpContext ctx, string userId, IdentityService ids, IdentityAdminService admin)
    {
        var v3 = IdentityAdminApi.Url(ctx, ids);
        var credentials = await admin.ListApplicationCredentialsAsync(await IdentityAdminApi.CallerAsync(ctx, ids), userId, IdentityAdminApi.Query(ctx, "name"), ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new
        {
            application_credentials = credentials.Select(c => CredentialJson(c, v3)),
            links = IdentityAdminApi.Links(ctx, v3, $"/users/{userId}/application_credentials"),
        });
    }

    private static async Task ShowCredential(HttpContext ctx, string userId, string id, IdentityService ids, IdentityAdminService admin)
    {
        var credential = await admin.GetApplicationCredentialAsync(await IdentityAdminApi.CallerAsync(ctx, ids), userId, id, ctx.RequestAborted);
        await Json.WriteAsync(ctx, 200, new { application_credential = CredentialJson(credential, IdentityAdminApi.Url(ctx, ids)) });
    }

    private static async Task DeleteCredential(HttpContext ctx, string userId, string id, IdentityService ids, IdentityAdminService admin)
    {
        await admin.DeleteApplicationCredentialAsync(await IdentityAdminApi.CallerAsync(ctx, ids), userId, id, ctx.RequestAborted);
        ctx.Response.StatusCode = 204;
    }
}
