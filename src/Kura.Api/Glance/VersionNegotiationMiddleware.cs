using Kura.Api.Common;
using Kura.Identity;
using Microsoft.AspNetCore.Http;

namespace Kura.Api.Glance;

/// <summary>
/// Glance's version negotiation (reference §1.1, §1.3), which runs before authentication: <c>/versions</c> answers
/// 200 with the versions document, <c>/v2</c> and <c>/v2.N</c> prefixes are rewritten to <c>/v2</c>, and any other
/// first path segment that no other Kura surface owns (identity, health, a provider's API) answers 300 with the same document.
/// </summary>
public sealed class VersionNegotiationMiddleware(RequestDelegate next, IdentityOptions identity)
{
    /// <summary>Version prefixes Glance 25 accepts with its default configuration (no cache, single store).</summary>
    private static readonly HashSet<string> Accepted = new(StringComparer.Ordinal)
    {
        "v2", "v2.0", "v2.1", "v2.2", "v2.3", "v2.4", "v2.5", "v2.6", "v2.7", "v2.9", "v2.15",
    };

    private static readonly (string Id, string Status)[] Versions =
    [
        ("v2.15", "CURRENT"), ("v2.9", "SUPPORTED"), ("v2.7", "SUPPORTED"), ("v2.6", "SUPPORTED"), ("v2.5", "SUPPORTED"),
        ("v2.4", "SUPPORTED"), ("v2.3", "SUPPORTED"), ("v2.2", "SUPPORTED"), ("v2.1", "SUPPORTED"), ("v2.0", "SUPPORTED"),
    ];

    /// <summary>First path segments served by other surfaces of the same process.</summary>
    public static readonly HashSet<string> OtherSurfaces = new(StringComparer.Ordinal) { "identity", "healthz", "healthcheck", "metrics", "dashboard" };

    public async Task InvokeAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        var rest = path.AsSpan(1);
        var slash = rest.IndexOf('/');
        var first = (slash < 0 ? rest : rest[..slash]).ToString();

        if (OtherSurfaces.Contains(first) || Dialects.Of(ctx) == Dialect.Nhn)
        {
            await next(ctx);
            return;
        }

        if (first == "versions")
        {
            await WriteVersionsAsync(ctx, StatusCodes.Status200OK);
            return;
        }

        if (Accepted.Contains(first))
        {
            if (first != "v2")
            {
                ctx.Request.Path = "/v2" + (slash < 0 ? string.Empty : path[(slash + 1)..]);
            }

            await next(ctx);
            return;
        }

        await WriteVersionsAsync(ctx, StatusCodes.Status300MultipleChoices);
    }

    private Task WriteVersionsAsync(HttpContext ctx, int status)
    {
        var href = BaseUrl.Of(ctx, identity.PublicUrl) + "/v2/";
        return Json.WriteAsync(ctx, status, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("versions");
            foreach (var (id, state) in Versions)
            {
                w.WriteStartObject();
                w.WriteString("id", id);
                w.WriteString("status", state);
                w.WriteStartArray("links");
                w.WriteStartObject();
                w.WriteString("rel", "self");
                w.WriteString("href", href);
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }
}
