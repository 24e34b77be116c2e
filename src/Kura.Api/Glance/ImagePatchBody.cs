using System.Text.Json;
using Kura.Domain;
using Kura.Domain.Images;
using Microsoft.Net.Http.Headers;

namespace Kura.Api.Glance;

/// <summary>Parses a PATCH body in either of Glance's media types into domain <see cref="PatchOp"/>s (reference §1.9.1–§1.9.2).</summary>
public static class ImagePatchBody
{
    public const string V21 = "application/openstack-images-v2.1-json-patch";
    public const string V20 = "application/openstack-images-v2.0-json-patch";
    public const string AcceptPatch = V20 + ", " + V21;

    /// <summary>The media type if it is one of the two Glance accepts, else null (the caller answers 415).</summary>
    public static string? MediaType(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed) && parsed.MediaType.Value is { } type &&
        (type.Equals(V21, StringComparison.OrdinalIgnoreCase) || type.Equals(V20, StringComparison.OrdinalIgnoreCase))
            ? type.ToLowerInvariant()
            : null;

    public static List<PatchOp> Parse(JsonElement body, string mediaType)
    {
        if (body.ValueKind != JsonValueKind.Array)
        {
            throw KuraException.BadRequest("Request body must be a JSON array of operation objects.");
        }

        var strict = mediaType == V20;
        var ops = new List<PatchOp>();
        foreach (var item in body.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw KuraException.BadRequest("Operations must be JSON objects.");
            }

            var (kind, path) = strict ? ReadDraft4(item) : ReadRfc6902(item);
            var property = Pointer(path, kind);
            object? value = null;
            if (kind != PatchOpKind.Remove)
            {
                if (!item.TryGetProperty("value", out var raw))
                {
                    throw KuraException.BadRequest("Operation \"" + kind.ToString().ToLowerInvariant() + "\" requires a member named \"value\".");
                }

                value = property == "locations" || RefusedBeforeTypeCheck(property) ? null : ImageBody.Convert(property, raw);
            }

            ops.Add(new PatchOp(kind, property, value, strict));
        }

        return ops;
    }

    /// <summary>Read-only and reserved names are refused with 403 before their values are type-checked, as in Glance.</summary>
    private static bool RefusedBeforeTypeCheck(string property) =>
        ImageSchema.IsReserved(property) || ImageSchema.LinkKeys.Contains(property) ||
        ImageSchema.Find(property) is { ReadOnly: true } || property == "id";

    private static (PatchOpKind, string) ReadRfc6902(JsonElement item)
    {
        if (!item.TryGetProperty("op", out var op) || op.ValueKind != JsonValueKind.String)
        {
            throw KuraException.BadRequest("Unable to find 'op' in JSON Schema change");
        }

        var kind = op.GetString() switch
        {
            "add" => PatchOpKind.Add,
            "replace" => PatchOpKind.Replace,
            "remove" => PatchOpKind.Remove,
            var other => throw KuraException.BadRequest($"Invalid operation: `{other}`: must be one of add, remove, replace"),
        };
        if (!item.TryGetProperty("path", out var path) || path.ValueKind != JsonValueKind.String)
        {
            throw KuraException.BadRequest("Unable to find 'path' in JSON Schema change");
        }

        return (kind, path.GetString()!);
    }

    private static (PatchOpKind, string) ReadDraft4(JsonElement item)
    {
        var found = new List<(PatchOpKind, string)>();
        foreach (var (name, kind) in new[] { ("add", PatchOpKind.Add), ("replace", PatchOpKind.Replace), ("remove", PatchOpKind.Remove) })
        {
            if (item.TryGetProperty(name, out var path))
            {
                found.Add((kind, path.ValueKind == JsonValueKind.String ? path.GetString()! : throw KuraException.BadRequest("Invalid JSON pointer for this resource: not a string")));
            }
        }

        return found.Count == 1
            ? found[0]
            : throw KuraException.BadRequest("Operation objects must contain exactly one member named \"add\", \"remove\", or \"replace\".");
    }

    /// <summary>
    /// A JSON pointer, unescaped, of the depth Glance allows for <paramref name="kind"/>: one token, except
    /// <c>/locations/N</c> (or <c>/locations/-</c>) for add and remove; <c>replace</c> takes the whole <c>/locations</c>.
    /// </summary>
    private static string Pointer(string path, PatchOpKind kind)
    {
        var invalid = KuraException.BadRequest($"Invalid JSON pointer for this resource: '{Short(path)}'");
        if (!path.StartsWith('/') || path.EndsWith('/') || path.Contains("//", StringComparison.Ordinal))
        {
            throw invalid;
        }

        var tokens = path[1..].Split('/');
        foreach (var token in tokens)
        {
            if (token.Replace("~0", string.Empty, StringComparison.Ordinal).Replace("~1", string.Empty, StringComparison.Ordinal).Contains('~', StringComparison.Ordinal))
            {
                throw invalid;
            }
        }

        var first = tokens[0].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal).Trim();
        var depth = first == "locations" && kind != PatchOpKind.Replace ? 2 : 1;
        return tokens.Length == depth && first.Length > 0 ? first : throw invalid;
    }

    private static string Short(string s) => ImageSchema.Characters(s) > 100 ? ImageSchema.Prefix(s, 100) + "…" : s;
}
