namespace Kura.Domain.Images;

public enum PatchOpKind
{
    Add,
    Replace,
    Remove,
}

/// <summary>
/// One operation of a PATCH request, already parsed from either media type: <paramref name="Property"/> is the
/// single JSON-pointer token (Glance allows depth 1 only), <paramref name="Value"/> a type-checked value.
/// <paramref name="StrictAdd"/> marks the deprecated v2.0 media type, where <c>add</c> on an existing property is 409.
/// </summary>
public sealed record PatchOp(PatchOpKind Kind, string Property, object? Value, bool StrictAdd);

/// <summary>Applies Glance's PATCH rules (reference §1.9.3) to an image in memory; the caller saves once.</summary>
internal static class ImagePatcher
{
    private static readonly HashSet<string> ReadOnly = new(StringComparer.Ordinal)
    {
        "created_at", "updated_at", "status", "checksum", "size", "virtual_size", "direct_url", "self", "file", "schema",
        "id", "os_hash_algo", "os_hash_value", "stores",
    };

    private static readonly HashSet<string> Base = new(StringComparer.Ordinal)
    {
        "name", "disk_format", "container_format", "visibility", "protected", "os_hidden", "min_ram", "min_disk", "owner", "tags",
    };

    /// <summary>The checks that need no image: read-only and reserved names. Run over every op before any is applied.</summary>
    public static void Precheck(IReadOnlyList<PatchOp> ops)
    {
        foreach (var op in ops)
        {
            if (op.Property is "locations")
            {
                continue; // refused by Apply, once the image is found
            }

            if (ReadOnly.Contains(op.Property))
            {
                throw KuraException.Forbidden($"Attribute '{op.Property}' is read-only.");
            }

            if (ImageSchema.IsReserved(op.Property))
            {
                throw KuraException.Forbidden($"Attribute '{op.Property}' is reserved.");
            }

            if (ImageSchema.Characters(op.Property) > 255)
            {
                throw KuraException.BadRequest("Property key is longer than 255 characters.");
            }
        }
    }

    public static void Apply(Image image, PatchOp op, Caller caller)
    {
        // Glance refuses locations only once it has found the image: a missing image is 404 first.
        if (op.Property is "locations")
        {
            throw KuraException.Forbidden("It's not allowed to add/update/remove locations if locations are invisible.");
        }

        var isBase = Base.Contains(op.Property);
        var index = image.Properties.FindIndex(p => p.Key == op.Property);
        var exists = isBase || index >= 0;
        switch (op.Kind)
        {
            case PatchOpKind.Add when op.StrictAdd && exists:
                throw KuraException.WithDetail(ErrorKind.Conflict, $"Property {op.Property} already present.");
            case PatchOpKind.Replace when !exists:
                throw KuraException.WithDetail(ErrorKind.Conflict, $"Property {op.Property} does not exist.");
            case PatchOpKind.Remove when isBase:
                throw KuraException.WithDetail(ErrorKind.Forbidden, $"Property {op.Property} may not be removed.");
            case PatchOpKind.Remove when index < 0:
                throw KuraException.WithDetail(ErrorKind.Conflict, $"Property {op.Property} does not exist.");
            case PatchOpKind.Remove:
                image.Properties.RemoveAt(index);
                return;
        }

        if (!isBase)
        {
            var value = (string?)op.Value ?? string.Empty;
            if (index >= 0)
            {
                image.Properties[index] = new(op.Property, value);
            }
            else
            {
                image.Properties.Add(new(op.Property, value));
            }

            return;
        }

        SetBase(image, op.Property, op.Value, caller);
    }

    private static void SetBase(Image image, string key, object? value, Caller caller)
    {
        switch (key)
        {
            case "name":
                image.Name = (string?)value;
                break;
            case "disk_format" or "container_format":
                if (image.Status is not (ImageStatus.Queued or ImageStatus.Importing) && !Equals(value, key == "disk_format" ? image.DiskFormat : image.ContainerFormat))
                {
                    throw KuraException.Forbidden($"Attribute {key} can be only replaced for a queued image.");
                }

                if (key == "disk_format")
                {
                    image.DiskFormat = (string?)value;
                }
                else
                {
                    image.ContainerFormat = (string?)value;
                }

                break;
            case "visibility":
                // publicize_image and communitize_image are the service's policy checks, once every op is applied.
                image.Visibility = (string)value!;
                break;
            case "protected":
                image.Protected = (bool)value!;
                break;
            case "os_hidden":
                image.OsHidden = (bool)value!;
                break;
            case "min_ram":
                image.MinRam = NonNegative(key, (long)value!);
                break;
            case "min_disk":
                image.MinDisk = NonNegative(key, (long)value!);
                break;
            case "owner":
                if (!caller.IsAdmin && !Equals(value, image.Owner))
                {
                    throw KuraException.Forbidden("Owner can't be updated by non admin.");
                }

                image.Owner = (string?)value;
                break;
            case "tags":
                image.Tags.Clear();
                image.Tags.AddRange(((IEnumerable<string>)value!).Distinct(StringComparer.Ordinal));
                break;
        }
    }

    /// <summary>Glance's schema sets a minimum of 0 and no maximum: any non-negative 64-bit value.</summary>
    internal static long NonNegative(string key, long value) =>
        value >= 0
            ? value
            : throw KuraException.BadRequest($"Provided object does not match schema 'image': {value} is less than the minimum of 0\n\nFailed validating 'minimum' in schema['properties']['{key}']");
}
