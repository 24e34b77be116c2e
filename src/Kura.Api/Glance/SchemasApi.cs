using System.Collections.Frozen;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kura.Api.Glance;

/// <summary>
/// The JSON schemas under <c>/v2/schemas</c>, served as the bytes Glance 25 serves (Schemas/*.json are embedded;
/// image.json is reference Appendix B verbatim). glanceclient validates every image against <c>image</c>.
/// </summary>
public static class SchemasApi
{
    private static readonly FrozenDictionary<string, byte[]> Documents = Load();

    internal static async Task Serve(HttpContext ctx, string name)
    {
        ImagesApi.RejectBody(ctx.Request);
        if (!Documents.TryGetValue(name, out var bytes))
        {
            await GlanceErrors.WriteAsync(ctx, StatusCodes.Status404NotFound, null);
            return;
        }

        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted);
    }

    private static FrozenDictionary<string, byte[]> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        const string prefix = "Kura.Api.Glance.Schemas.";
        var documents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            documents[resource[prefix.Length..^".json".Length]] = copy.ToArray();
        }

        return documents.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
