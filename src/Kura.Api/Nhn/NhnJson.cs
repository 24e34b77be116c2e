using System.Globalization;
using System.Text.Json;
using Kura.Api.Glance;
using Kura.Domain.Images;
using Kura.Identity;

namespace Kura.Api.Nhn;

/// <summary>The v1.0 documents: the token's <c>access</c> and the camelCase image items, with the types of the guide's table.</summary>
public static class NhnJson
{
    /// <summary><c>"access":{"token":{"expires","id","issued_at"},"user":{"id","name","roles":[{"name"}]}}</c>.</summary>
    public static void WriteAccess(Utf8JsonWriter w, string secret, TokenInfo info)
    {
        w.WriteStartObject("access");
        w.WriteStartObject("token");
        w.WriteString("expires", ImageJson.Timestamp(info.Token.ExpiresAt));
        w.WriteString("id", secret);
        w.WriteString("issued_at", info.Token.IssuedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
        w.WriteEndObject();
        w.WriteStartObject("user");
        w.WriteString("id", info.User.Id);
        w.WriteString("name", info.User.Name);
        w.WriteStartArray("roles");
        foreach (var role in info.Roles)
        {
            w.WriteStartObject();
            w.WriteString("name", role.Name);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>
    /// One list item; times in the table's <c>yyyy-mm-ddTHH:MM:ssZ</c>. Strings never null (<c>""</c>), numbers never null (<c>size</c> 0 before data, as Glance v1),
    /// extra properties as a nested object of strings, and Glance v2's <c>uploading</c>/<c>importing</c> reported as
    /// <c>saving</c>, which the v1.0 status list has.
    /// </summary>
    public static void WriteImage(Utf8JsonWriter w, Image image)
    {
        w.WriteStartObject();
        w.WriteString("createdAt", ImageJson.Timestamp(image.CreatedAt));
        w.WriteString("diskFormat", image.DiskFormat ?? string.Empty);
        w.WriteString("id", image.Id);
        w.WriteBoolean("isPublic", image.Visibility == ImageVisibility.Public);
        w.WriteNumber("minDisk", image.MinDisk);
        w.WriteNumber("minRam", image.MinRam);
        w.WriteString("name", image.Name ?? string.Empty);
        w.WriteStartObject("properties");
        foreach (var (key, value) in image.Properties.Where(p => p.Key != "os_glance_stage_host"))
        {
            w.WriteString(key, value);
        }

        w.WriteEndObject();
        w.WriteBoolean("protected", image.Protected);
        w.WriteNumber("size", image.Size ?? 0);
        w.WriteString("status", image.Status is ImageStatus.Uploading or ImageStatus.Importing ? ImageStatus.Saving : image.Status);
        w.WriteString("updatedAt", ImageJson.Timestamp(image.UpdatedAt));
        w.WriteEndObject();
    }
}
