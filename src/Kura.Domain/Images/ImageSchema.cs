using System.Text.RegularExpressions;

namespace Kura.Domain.Images;

/// <summary>The JSON type a property accepts on the wire.</summary>
public enum PropertyType
{
    String,
    NullableString,
    Integer,
    NullableInteger,
    Boolean,
    StringArray,
}

/// <summary>One property of Glance's image schema (reference §1.5.2).</summary>
public sealed record PropertyRule(
    string Name,
    PropertyType Type,
    int? MaxLength = null,
    IReadOnlyList<string>? Enum = null,
    bool ReadOnly = false,
    bool UuidPattern = false,
    bool IsBase = true);

/// <summary>
/// Glance's image schema as data: which keys are base attributes, which are read-only or reserved, and the
/// type, length and enum rules each value must meet. The API validates JSON against it; the service applies it.
/// </summary>
public static partial class ImageSchema
{
    public static readonly string[] DiskFormats = ["ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"];

    public static readonly string[] ContainerFormats = ["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"];

    /// <summary>Keys a create body may never carry: 403 "Attribute '…' is read-only." before anything else is checked.</summary>
    public static readonly HashSet<string> LinkKeys = new(StringComparer.Ordinal) { "direct_url", "self", "file", "schema", "stores" };

    /// <summary>
    /// The length of <paramref name="s"/> as Glance's Python counts it for <c>maxLength</c>: in characters (code points),
    /// so an emoji is one, not the two UTF-16 code units of <see cref="string.Length"/>.
    /// </summary>
    public static int Characters(string s)
    {
        var count = s.Length;
        for (var i = 0; i + 1 < s.Length; i++)
        {
            if (char.IsSurrogatePair(s[i], s[i + 1]))
            {
                count--;
                i++;
            }
        }

        return count;
    }

    /// <summary>The first <paramref name="characters"/> characters of <paramref name="s"/>, never half a surrogate pair.</summary>
    public static string Prefix(string s, int characters)
    {
        var end = 0;
        for (var n = 0; n < characters && end < s.Length; n++)
        {
            end += end + 1 < s.Length && char.IsSurrogatePair(s[end], s[end + 1]) ? 2 : 1;
        }

        return s[..end];
    }

    /// <summary>Extra-property names no user may set (403 "Attribute '…' is reserved.").</summary>
    public static bool IsReserved(string key) =>
        key is "location" or "locations" or "deleted" or "deleted_at" || key.StartsWith("os_glance", StringComparison.Ordinal);

    public static readonly IReadOnlyList<PropertyRule> Rules =
    [
        new("id", PropertyType.String, UuidPattern: true),
        new("name", PropertyType.NullableString, MaxLength: 255),
        new("status", PropertyType.String, Enum: [.. ImageStatus.All], ReadOnly: true),
        new("visibility", PropertyType.String, Enum: ImageVisibility.All),
        new("protected", PropertyType.Boolean),
        new("os_hidden", PropertyType.Boolean),
        new("checksum", PropertyType.NullableString, MaxLength: 32, ReadOnly: true),
        new("os_hash_algo", PropertyType.NullableString, MaxLength: 64, ReadOnly: true),
        new("os_hash_value", PropertyType.NullableString, MaxLength: 128, ReadOnly: true),
        new("owner", PropertyType.NullableString, MaxLength: 255),
        new("size", PropertyType.NullableInteger, ReadOnly: true),
        new("virtual_size", PropertyType.NullableInteger, ReadOnly: true),
        new("container_format", PropertyType.NullableString, Enum: ContainerFormats),
        new("disk_format", PropertyType.NullableString, Enum: DiskFormats),
        new("created_at", PropertyType.String, ReadOnly: true),
        new("updated_at", PropertyType.String, ReadOnly: true),
        new("tags", PropertyType.StringArray, MaxLength: 255),
        new("min_ram", PropertyType.Integer),
        new("min_disk", PropertyType.Integer),
        // Custom properties of Glance's etc/schema-image.json: validated, but stored as extra properties.
        new("kernel_id", PropertyType.NullableString, UuidPattern: true, IsBase: false),
        new("ramdisk_id", PropertyType.NullableString, UuidPattern: true, IsBase: false),
        new("instance_uuid", PropertyType.String, IsBase: false),
        new("architecture", PropertyType.String, IsBase: false),
        new("os_distro", PropertyType.String, IsBase: false),
        new("os_version", PropertyType.String, IsBase: false),
        new("description", PropertyType.String, IsBase: false),
        new("cinder_encryption_key_id", PropertyType.String, IsBase: false),
        new("cinder_encryption_key_deletion_policy", PropertyType.String, Enum: ["on_image_deletion", "do_not_delete"], IsBase: false),
    ];

    private static readonly Dictionary<string, PropertyRule> ByName = Rules.ToDictionary(r => r.Name, StringComparer.Ordinal);

    public static PropertyRule? Find(string key) => ByName.GetValueOrDefault(key);

    public static bool IsUuid(string value) => UuidRegex().IsMatch(value);

    [GeneratedRegex("^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$")]
    private static partial Regex UuidRegex();
}
