using Microsoft.AspNetCore.Http;

namespace Kura.Dashboard;

/// <summary>The stylesheet and the upload script, embedded in the assembly (Assets/*), served with a short cache.</summary>
public static class Assets
{
    private static readonly Dictionary<string, (string ContentType, byte[] Bytes)> Files = Load();

    public static IResult Serve(HttpContext ctx, string name)
    {
        if (!Files.TryGetValue(name, out var file))
        {
            return Results.NotFound();
        }

        ctx.Response.Headers.CacheControl = "private, max-age=300";
        return Results.Bytes(file.Bytes, file.ContentType);
    }

    private static Dictionary<string, (string, byte[])> Load()
    {
        var assembly = typeof(Assets).Assembly;
        const string prefix = "Kura.Dashboard.Assets.";
        var files = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var name = resource[prefix.Length..];
            var type = Path.GetExtension(name) switch
            {
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                _ => "application/octet-stream",
            };
            files[name] = (type, copy.ToArray());
        }

        return files;
    }
}
