using Kura.Api.Common;
using Kura.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

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
        var path = ctx.Request.Path.Value ?? string.Empty;
        if (!path.StartsWith('/'))
        {
            // OPTIONS * and CONNECT's host:port name no resource of any surface.
            await GlanceErrors.WriteAsync(ctx, StatusCodes.Status400BadRequest, "The request target must be a path.");
            return;
        }

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
            // Route on the path as sent, percent-decoded: Kestrel collapses dot segments (a tag "..") and keeps %2F
            // encoded (a tag "a%2Fb"), where Glance's router sees both as they were sent. new PathString, not the
            // implicit conversion, which would decode a second time.
            var sent = AsSent(ctx);
            var sentSlash = sent.IndexOf('/', 1);
            var sentFirst = sentSlash < 0 ? sent[1..] : sent[1..sentSlash];
            var tail = sentFirst == first ? (sentSlash < 0 ? string.Empty : sent[sentSlash..]) : (slash < 0 ? string.Empty : path[(slash + 1)..]);
            ctx.Request.Path = new PathString("/v2" + tail);

            await next(ctx);
            return;
        }

        await WriteVersionsAsync(ctx, StatusCodes.Status300MultipleChoices);
    }

    /// <summary>The request target's path as the client sent it, percent-decoded (%2F included), dot segments kept.</summary>
    private static string AsSent(HttpContext ctx)
    {
        var raw = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is null || !raw.StartsWith('/'))
        {
            return ctx.Request.Path.Value!; // absolute-form: Kestrel's reading of it
        }

        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var encoded = query < 0 ? raw : raw[..query];
        if (!encoded.Contains('%') && !encoded.Contains("/.", StringComparison.Ordinal))
        {
            return ctx.Request.Path.Value!; // nothing encoded and no dot segment: Kestrel's path is the path as sent
        }

        try
        {
            return Uri.UnescapeDataString(encoded);
        }
        catch (UriFormatException)
        {
            return ctx.Request.Path.Value!;
        }
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
