using System.Text;
using System.Text.Json;
using Kura.Api.Common;
using Kura.Api.Glance;
using Kura.Api.Nhn;
using Kura.Domain;
using Kura.Domain.Formats;
using Kura.Domain.Images;

namespace Kura.Fuzz;

/// <summary>A fuzz target found behaviour that is not a clean refusal: the input is a finding.</summary>
public sealed class FuzzFinding(string message) : Exception(message);

/// <summary>
/// The parsers that read untrusted bytes, each wrapped with its oracle. A target returns normally when the input was
/// handled as the API would handle it (accepted, or refused with the exception the error mappers turn into a 4xx);
/// anything else escapes: an exception the mappers would answer with a 500, or a <see cref="FuzzFinding"/> for a
/// wrong verdict. The same code runs under afl-fuzz (scripts/fuzz.sh) and over the saved corpus in the xunit suite.
/// </summary>
public static class FuzzTargets
{
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["inspect"] = Inspect,
        ["image-body"] = ImageCreateBody,
        ["patch"] = Patch,
        ["query"] = Query,
        ["nhn-token"] = NhnToken,
    };

    /// <summary>
    /// The disk-format inspector (CVE-2024-32498's place). The input is a whole upload. Oracles: the one-shot
    /// inspector never throws; the streaming inspector gives the same verdict however the stream is cut into reads
    /// (whole, single bytes, and sizes drawn from the input's own hash); a result names a format Kura inspects and a
    /// non-negative virtual size; declared as what was detected, a safe image passes.
    /// </summary>
    public static void Inspect(byte[] data)
    {
        var head = data.AsSpan(0, Math.Min(data.Length, DiskFormatInspector.HeadBytes));
        var tail = data.AsSpan(Math.Max(0, data.Length - DiskFormatInspector.TailBytes));
        ReadOnlySpan<byte> window = default;
        long windowOffset = 0;
        if (DiskFormatInspector.WindowFor(head) is { } w && w.Offset < data.Length && w.Offset >= head.Length)
        {
            window = data.AsSpan((int)w.Offset, (int)Math.Min(w.Length, data.Length - w.Offset));
            windowOffset = w.Offset;
        }

        var direct = DiskFormatInspector.Inspect(head, tail, data.Length, window, windowOffset);
        if (!DiskFormatInspector.Inspectable.Contains(direct.Format) || direct.VirtualSize < 0)
        {
            throw new FuzzFinding($"inspector result {direct}");
        }

        foreach (var declared in new[] { direct.Format, "raw", "qcow2" })
        {
            var whole = Stream(data, declared, [data.Length + 1]);
            // Single bytes throughout a small input; in a large one, single bytes between long reads (else one run
            // takes seconds, and afl-fuzz slows to a crawl).
            var bytes = Stream(data, declared, data.Length <= 1 << 16 ? [1] : [1, 1, 1, 65521, 1, 4093]);
            var mixed = Stream(data, declared, [(int)(Fnv(data) % 4093) + 1, 512, 3, 65536, 7]);
            if (whole != bytes || whole != mixed)
            {
                throw new FuzzFinding($"declared {declared}: whole read {whole}; single bytes {bytes}; mixed reads {mixed}");
            }

            if (declared == direct.Format && direct.Unsafe is null && whole != "ok " + direct)
            {
                throw new FuzzFinding($"declared as detected ({direct}) but the stream says {whole}");
            }
        }
    }

    private static uint Fnv(byte[] data)
    {
        var hash = 2166136261u;
        foreach (var b in data)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }

    private static string Stream(byte[] data, string declared, int[] sizes)
    {
        using var stream = new InspectingReadStream(new MemoryStream(data, writable: false), declared);
        var buffer = new byte[sizes.Max()];
        try
        {
            for (var i = 0; ; i++)
            {
                var n = stream.Read(buffer, 0, Math.Min(buffer.Length, sizes[i % sizes.Length]));
                if (n == 0)
                {
                    return "ok " + stream.Result;
                }
            }
        }
        catch (ImageFormatException e)
        {
            return "refused " + e.Message;
        }
    }

    /// <summary>
    /// A create body (<c>POST /v2/images</c>). Oracle: refused with a KuraException (400/403), or each field typed as
    /// the schema says, which is how the domain casts it (a wrong type would be an InvalidCastException there, a 500).
    /// </summary>
    public static void ImageCreateBody(byte[] data)
    {
        using var document = Parse(data);
        if (document is null)
        {
            return;
        }

        try
        {
            foreach (var (key, value) in ImageBody.ParseCreate(document.RootElement))
            {
                CheckType(key, value);
            }
        }
        catch (KuraException e) when (e.Kind.Status() < 500)
        {
        }
    }

    /// <summary>A PATCH body in either media type, parsed and applied to a queued image as its member owner would.</summary>
    public static void Patch(byte[] data)
    {
        if (data.Length == 0)
        {
            return;
        }

        using var document = Parse(data.AsMemory(1).ToArray());
        if (document is null)
        {
            return;
        }

        var caller = new Caller("user", "project", ["member", "reader"]);
        var image = new Image { Id = "00000000-0000-4000-8000-000000000000", Owner = "project", Name = "fuzz" };
        try
        {
            var ops = ImagePatchBody.Parse(document.RootElement, (data[0] & 1) == 0 ? ImagePatchBody.V21 : ImagePatchBody.V20);
            ImagePatcher.Precheck(ops);
            foreach (var op in ops)
            {
                ImagePatcher.Apply(image, op, caller);
            }
        }
        catch (KuraException e) when (e.Kind.Status() < 500)
        {
            return;
        }

        if (image.Visibility is null || image.Tags.Any(t => t is null) || image.Properties.Any(p => p.Key is null || p.Value is null))
        {
            throw new FuzzFinding("a patch left a null where the image keeps none");
        }
    }

    /// <summary>
    /// A Glance list query string. Oracles: parsed or refused with a 4xx; the pairs it reads survive the encoding Kura
    /// writes into <c>next</c> links (so a next page is the same query).
    /// </summary>
    public static void Query(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data);
        var pairs = GlanceListQuery.Pairs(text);
        var again = GlanceListQuery.Pairs(GlanceListQuery.Encode(pairs));
        if (!pairs.SequenceEqual(again))
        {
            throw new FuzzFinding($"next-link encoding changes the query: [{string.Join("&", pairs)}] became [{string.Join("&", again)}]");
        }

        try
        {
            var query = GlanceListQuery.Parse(pairs, 25);
            if (query.Limit < 0)
            {
                throw new FuzzFinding($"negative limit {query.Limit}");
            }
        }
        catch (KuraException e) when (e.Kind.Status() < 500)
        {
        }
    }

    /// <summary>The NHN v1.0 token request body: parsed, or refused with the header envelope's parameter error.</summary>
    public static void NhnToken(byte[] data)
    {
        using var document = Parse(data);
        if (document is null)
        {
            return;
        }

        try
        {
            var (user, password) = NhnApi.ReadAuth(document.RootElement);
            if (user.Length == 0 || password.Length == 0)
            {
                throw new FuzzFinding("an empty credential was accepted");
            }
        }
        catch (NhnException)
        {
        }
    }

    /// <summary>What the HTTP layer hands on: a document within the depth limit whose strings are valid (else it is a 400 already).</summary>
    private static JsonDocument? Parse(byte[] data)
    {
        try
        {
            var document = JsonDocument.Parse(data, new JsonDocumentOptions { MaxDepth = 32 });
            if (Json.IsWellFormed(document.RootElement))
            {
                return document;
            }

            document.Dispose();
        }
        catch (JsonException)
        {
        }
        catch (ArgumentException)
        {
            // Invalid UTF-8, as Json.ReadAsync sees it.
        }

        return null;
    }

    /// <summary>The domain reads each field as <see cref="ImageSchema"/> types it (extra properties are strings).</summary>
    private static void CheckType(string key, object? value)
    {
        var ok = ImageSchema.Find(key)?.Type switch
        {
            null or PropertyType.String => value is string,
            PropertyType.NullableString => value is null or string,
            PropertyType.Integer => value is long,
            PropertyType.NullableInteger => value is null or long,
            PropertyType.Boolean => value is bool,
            PropertyType.StringArray => value is IEnumerable<string> items && items.All(t => t is not null),
            _ => false,
        };
        if (!ok)
        {
            throw new FuzzFinding($"field {key} parsed as {value?.GetType().Name ?? "null"}");
        }
    }
}
