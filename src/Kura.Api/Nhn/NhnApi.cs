using System.Globalization;
using System.Text.Json;
using Kura.Api.Common;
using Kura.Domain;
using Kura.Domain.Images;
using Kura.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kura.Api.Nhn;

/// <summary>
/// NHN Cloud's v1.0 appkey API (reference §1.1), mounted at <c>/v1.0</c> and at <c>/compute/v1.0</c> so that a client's
/// base URL <c>…/compute</c> works unchanged: tokens and the image list and delete. The appkey names the project;
/// the token must be scoped to that project, and the request then acts for the project only (an admin role on the
/// token gives no cloud-wide rights here). Every answer is HTTP 200 in <see cref="NhnErrors"/>' envelope.
/// </summary>
public static class NhnApi
{
    public static IEndpointRouteBuilder MapNhn(this IEndpointRouteBuilder app)
    {
        foreach (var prefix in new[] { "/v1.0/appkeys/{appkey}", "/compute/v1.0/appkeys/{appkey}" })
        {
            var api = app.MapGroup(prefix);
            api.MapPost("/tokens", IssueToken).RequireRateLimiting(IdentityOptions.PasswordRateLimitPolicy);
            api.MapGet("/tokens", ShowToken);
            api.MapGet("/images", ListImages);
            api.MapDelete("/images", DeleteImage);
        }

        return app;
    }

    /// <summary><c>POST tokens</c> with <c>{"auth":{"username","password"}}</c>: a Kura token scoped to the appkey's project.</summary>
    private static async Task IssueToken(HttpContext ctx, string appkey, IdentityService ids, ITokenAuthority authority)
    {
        var project = await ProjectAsync(ids, appkey, ctx.RequestAborted);
        using var body = await Json.ReadAsync(ctx.Request, ctx.RequestAborted)
            ?? throw new NhnException(NhnErrors.JsonParsingError, "the request body is not JSON");
        var (username, password) = ReadAuth(body.RootElement);
        var (secret, info) = await authority.SignInAsync(new PasswordSignIn(username, "Default", password, project.Id, null, "Default"), ctx.RequestAborted);
        await NhnErrors.WriteSuccessAsync(ctx, w => NhnJson.WriteAccess(w, secret, info));
    }

    /// <summary><c>GET tokens?id=</c>: the same document for a token that is valid and scoped to the appkey's project.</summary>
    private static async Task ShowToken(HttpContext ctx, string appkey, IdentityService ids, ITokenAuthority authority)
    {
        var project = await ProjectAsync(ids, appkey, ctx.RequestAborted);
        var id = ctx.Request.Query["id"].ToString();
        if (id.Length == 0)
        {
            throw NhnException.InvalidParameters("id is required");
        }

        var info = await authority.ValidateAsync(id, allowExpired: false, ctx.RequestAborted);
        if (info?.Project?.Id != project.Id)
        {
            throw NhnException.PermissionDenied("the token is not valid for this appkey");
        }

        await NhnErrors.WriteSuccessAsync(ctx, w => NhnJson.WriteAccess(w, id, info));
    }

    /// <summary>
    /// <c>GET images?limit=&amp;marker=</c>: the project's view of the catalog, newest first, starting <i>from</i> the marker
    /// image (the guide's wording; Glance would start after it).
    /// </summary>
    private static async Task ListImages(HttpContext ctx, string appkey, IdentityService ids, TokenAuthentication authentication, ImageService images)
    {
        var caller = await CallerAsync(ctx, ids, authentication, appkey);
        var limit = images.Options.DefaultListLimit;
        if (ctx.Request.Query.TryGetValue("limit", out var limitText) &&
            !int.TryParse(limitText.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out limit))
        {
            throw NhnException.InvalidParameters("limit must be a non-negative integer");
        }

        var query = new ImageListQuery
        {
            Limit = limit,
            Marker = ctx.Request.Query.TryGetValue("marker", out var marker) ? marker.ToString() : null,
            IncludeMarker = true,
        };
        var page = await images.ListAsync(caller, query, ctx.RequestAborted);
        await NhnErrors.WriteSuccessAsync(ctx, w =>
        {
            w.WriteStartArray("images");
            foreach (var image in page.Images)
            {
                NhnJson.WriteImage(w, image);
            }

            w.WriteEndArray();
        });
    }

    /// <summary><c>DELETE images?id=</c>: only images the appkey's project owns.</summary>
    private static async Task DeleteImage(HttpContext ctx, string appkey, IdentityService ids, TokenAuthentication authentication, ImageService images)
    {
        var caller = await CallerAsync(ctx, ids, authentication, appkey);
        var id = ctx.Request.Query["id"].ToString();
        if (id.Length == 0)
        {
            throw NhnException.InvalidParameters("id is required");
        }

        await images.DeleteAsync(caller, id, ctx.RequestAborted);
        await NhnErrors.WriteSuccessAsync(ctx);
    }

    private static async Task<Project> ProjectAsync(IdentityService ids, string appkey, CancellationToken ct) =>
        await ids.FindProjectByAppkeyAsync(appkey, ct) ?? throw NhnException.PermissionDenied("unknown appkey");

    /// <summary>The appkey's project and a token scoped to it, as a caller without cloud-admin rights.</summary>
    private static async Task<Caller> CallerAsync(HttpContext ctx, IdentityService ids, TokenAuthentication authentication, string appkey)
    {
        var project = await ProjectAsync(ids, appkey, ctx.RequestAborted);
        var headers = ctx.Request.Headers;
        var authenticated = await authentication.AuthenticateAsync(headers["X-Auth-Token"].ToString(), headers["X-Service-Token"].ToString(), ctx.RequestAborted);
        if (authenticated?.Token.Project?.Id != project.Id)
        {
            throw NhnException.PermissionDenied("the token is not valid for this appkey");
        }

        return authenticated.AsCaller(cloudAdmin: false);
    }

    /// <summary>The user name and password of a token request's <c>{"auth":{"username","password"}}</c> (fuzzed in fuzz/).</summary>
    public static (string UserName, string Password) ReadAuth(JsonElement root)
    {
        var auth = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("auth", out var a) && a.ValueKind == JsonValueKind.Object
            ? a
            : throw NhnException.InvalidParameters("auth is required");
        return (Text(auth, "username"), Text(auth, "password"));
    }

    private static string Text(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw NhnException.InvalidParameters($"auth.{name} is required");

    /// <summary>The path with the appkey replaced, for logs: an appkey is a credential.</summary>
    public static string Redact(string path)
    {
        var at = path.IndexOf("/appkeys/", StringComparison.Ordinal);
        if (at < 0)
        {
            return path;
        }

        var start = at + "/appkeys/".Length;
        var end = path.IndexOf('/', start);
        return path[..start] + "***" + (end < 0 ? string.Empty : path[end..]);
    }
}
