using System.Globalization;
using System.Text.Json;
using Kura.Domain.Images;

namespace Kura.Api.Glance;

/// <summary>Renders an image exactly as Glance's <c>_format_image</c> does (reference §1.5.1), in the same key order.</summary>
public static class ImageJson
{
    public static void Write(Utf8JsonWriter w, Image image)
    {
        w.WriteStartObject();
        foreach (var (key, value) in image.Properties)
        {
            if (key != "os_glance_stage_host")
            {
                w.WriteString(key, value);
            }
        }

        WriteNullable(w, "name", image.Name);
        WriteNullable(w, "disk_format", image.DiskFormat);
        WriteNullable(w, "container_format", image.ContainerFormat);
        w.WriteString("visibility", image.Visibility);
        WriteNullable(w, "size", image.Size);
        WriteNullable(w, "virtual_size", image.VirtualSize);
        w.WriteString("status", image.Status);
        WriteNullable(w, "checksum", image.Checksum);
        w.WriteBoolean("protected", image.Protected);
        w.WriteNumber("min_ram", image.MinRam);
        w.WriteNumber("min_disk", image.MinDisk);
        WriteNullable(w, "owner", image.Owner);
        w.WriteBoolean("os_hidden", image.OsHidden);
        WriteNullable(w, "os_hash_algo", image.OsHashAlgo);
        WriteNullable(w, "os_hash_value", image.OsHashValue);
        w.WriteString("id", image.Id);
        w.WriteString("created_at", Timestamp(image.CreatedAt));
        w.WriteString("updated_at", Timestamp(image.UpdatedAt));
        w.WriteStartArray("tags");
        foreach (var tag in image.Tags)
        {
            w.WriteStringValue(tag);
        }

        w.WriteEndArray();
        w.WriteString("self", "/v2/images/" + image.Id);
        w.WriteString("file", "/v2/images/" + image.Id + "/file");
        w.WriteString("schema", "/v2/schemas/image");
        w.WriteEndObject();
    }

    /// <summary>Glance's <c>isotime</c>: second precision, UTC, <c>Z</c>.</summary>
    public static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void WriteNullable(Utf8JsonWriter w, string key, string? value)
    {
        if (value is null)
        {
            w.WriteNull(key);
        }
        else
        {
            w.WriteString(key, value);
        }
    }

    private static void WriteNullable(Utf8JsonWriter w, string key, long? value)
    {
        if (value is null)
        {
            w.WriteNull(key);
        }
        else
        {
            w.WriteNumber(key, value.Value);
        }
    }
}
