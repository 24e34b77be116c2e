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

    /// <summary>Reads a small JSON request body; null when it is not JSON. Bodies over the server's request limit never get here.</summary>
    public static async Task<JsonDocument?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            return await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 32 }, ct);
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
}
