using System.Buffers;
using System.Text;
using System.Text.Json;
using Kura.Domain.Images;

namespace Kura.Storage.Relational;

/// <summary>
/// An image's properties and tags as JSON text on its own row (<c>properties_json</c>: <c>[["name","value"],…]</c>
/// in the image's order; <c>tags_json</c>: <c>["tag",…]</c> in ordinal order). The child tables stay the source for
/// filters; these copies, written in the same transaction, let a page read one row per image with no subqueries.
/// </summary>
public static class ImageChildrenJson
{
    public static string Properties(Image image)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var (name, value) in image.Properties)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(name);
                writer.WriteStringValue(value);
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string Tags(Image image)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var tag in image.Tags.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                writer.WriteStringValue(tag);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Fills <paramref name="image"/>'s properties and tags from the two columns.</summary>
    public static void Read(Image image, string properties, string tags)
    {
        var reader = Reader(properties, out var rented);
        try
        {
            reader.Read(); // [
            while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
            {
                reader.Read();
                var name = reader.GetString()!;
                reader.Read();
                image.Properties.Add(new(name, reader.GetString()!));
                reader.Read(); // ]
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        reader = Reader(tags, out rented);
        try
        {
            reader.Read(); // [
            while (reader.Read() && reader.TokenType == JsonTokenType.String)
            {
                image.Tags.Add(reader.GetString()!);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static Utf8JsonReader Reader(string json, out byte[] rented)
    {
        rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(json.Length));
        var length = Encoding.UTF8.GetBytes(json, rented);
        return new Utf8JsonReader(rented.AsSpan(0, length));
    }
}
