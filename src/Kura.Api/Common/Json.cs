using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Kura.Api.Common;

/// <summary>Writes JSON bodies the way OpenStack services do: <c>Content-Type: application/json</c>, raw UTF-8, no charset.</summary>
public static class Json
{
    public static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Serializes <paramref name="body"/> (anonymous objects and dictionaries welcome) with its property names as written.</summary>
    public static async Task WriteAsync(HttpContext ctx, int status, object body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(ctx.Response.Body, body, Options, ctx.RequestAborted);
    }

    /// <summary>Streams a body built with a <see cref="Utf8JsonWriter"/>, for documents whose key order matters.</summary>
    public static async Task WriteAsync(HttpContext ctx, int status, Action<Utf8JsonWriter> build)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(ctx.Response.BodyWriter, WriterOptions);
        build(writer);
        await writer.FlushAsync(ctx.RequestAborted);
    }

    /// <summary>Renders a document built with a <see cref="Utf8JsonWriter"/> into bytes, to send now and keep.</summary>
    public static byte[] Render(Action<Utf8JsonWriter> build)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(16 * 1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            build(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Sends an already rendered JSON document, with its length.</summary>
    public static async Task WriteAsync(HttpContext ctx, int status, byte[] body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = body.Length;
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
    }

    /// <summary>
    /// Reads a small JSON request body; null when it is not JSON, nests deeper than 32, or holds a string that is
    /// not valid Unicode (a lone surrogate escape such as <c>"\ud800"</c>). Bodies over the server's request limit
    /// never get here.
    /// </summary>
    public static async Task<JsonDocument?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            var document = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 32 }, ct);
            if (IsWellFormed(document.RootElement))
            {
                return document;
            }

            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            // Invalid UTF-8 surfaces here.
            return null;
        }
    }

    /// <summary>True when every string and property name in <paramref name="element"/> is valid UTF-16.</summary>
    public static bool IsWellFormed(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    return true;
                case JsonValueKind.Array:
                    return element.EnumerateArray().All(IsWellFormed);
                case JsonValueKind.Object:
                    return element.EnumerateObject().All(p => p.Name.Length >= 0 && IsWellFormed(p.Value));
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
