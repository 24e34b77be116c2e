using System.Buffers;
using System.Text.Json;

namespace Kura.Blobs.Swift;

/// <summary>The manifest of a static large object: the JSON list of its segments that Swift's <c>?multipart-manifest=put</c> takes.</summary>
internal static class StaticLargeObject
{
    public static byte[] Manifest(IReadOnlyList<(string Path, string? Etag, long Size)> segments)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartArray();
            foreach (var (path, etag, size) in segments)
            {
                json.WriteStartObject();
                json.WriteString("path", path);
                if (etag is null)
                {
                    json.WriteNull("etag");
                }
                else
                {
                    json.WriteString("etag", etag);
                }

                json.WriteNumber("size_bytes", size);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return output.WrittenSpan.ToArray();
    }
}
