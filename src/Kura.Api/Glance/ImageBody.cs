using System.Text.Json;
using Kura.Domain;
using Kura.Domain.Images;

namespace Kura.Api.Glance;

/// <summary>
/// Checks a JSON image document against <see cref="ImageSchema"/> (types, enums, patterns, lengths) and turns it into
/// typed fields for the domain: strings, longs, booleans, string lists, or null. Rules about who may set what
/// live in the domain; this class only knows JSON.
/// </summary>
public static class ImageBody
{
    public static IReadOnlyList<KeyValuePair<string, object?>> ParseCreate(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw SchemaError($"{root.GetRawText()} is not of type 'object'");
        }

        // Link attributes are refused before the schema is checked, as Glance does.
        foreach (var property in root.EnumerateObject())
        {
            if (ImageSchema.LinkKeys.Contains(property.Name))
            {
                throw KuraException.Forbidden($"Attribute '{property.Name}' is read-only.");
            }
        }

        // A key given twice keeps its first position and its last value, as Python's json module reads it; only
        // that value is checked.
        var keys = new List<string>();
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!values.ContainsKey(property.Name))
            {
                keys.Add(property.Name);
            }

            values[property.Name] = property.Value;
        }

        return [.. keys.Select(key => new KeyValuePair<string, object?>(key, Convert(key, values[key])))];
    }

    /// <summary>Validates one value for <paramref name="key"/>; extra properties must be strings.</summary>
    public static object? Convert(string key, JsonElement value)
    {
        var rule = ImageSchema.Find(key);
        if (rule is null)
        {
            return value.ValueKind == JsonValueKind.String ? value.GetString() : throw SchemaError($"{value.GetRawText()} is not of type 'string'");
        }

        object? result = rule.Type switch
        {
            PropertyType.String => value.ValueKind == JsonValueKind.String ? value.GetString() : throw TypeError(value, "'string'"),
            PropertyType.NullableString => value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null => null,
                _ => throw TypeError(value, "'null', 'string'"),
            },
            PropertyType.Integer => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : throw TypeError(value, "'integer'"),
            PropertyType.NullableInteger => value.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.Number when value.TryGetInt64(out var n) => n,
                _ => throw TypeError(value, "'null', 'integer'"),
            },
            PropertyType.Boolean => value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw TypeError(value, "'boolean'"),
            PropertyType.StringArray => ReadStringArray(value, rule.MaxLength),
            _ => throw new InvalidOperationException(),
        };

        if (result is string s)
        {
            if (rule.MaxLength is { } max && ImageSchema.Characters(s) > max)
            {
                throw SchemaError($"'{s}' is too long");
            }

            if (rule.Enum is { } allowed && !allowed.Contains(s))
            {
                throw SchemaError($"'{s}' is not one of [{string.Join(", ", allowed.Select(a => $"'{a}'"))}]");
            }

            if (rule.UuidPattern && !ImageSchema.IsUuid(s))
            {
                throw SchemaError($"'{s}' does not match the UUID pattern");
            }
        }

        return result;
    }

    private static List<string> ReadStringArray(JsonElement value, int? maxLength)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw TypeError(value, "'array'");
        }

        var items = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw TypeError(item, "'string'");
            }

            var s = item.GetString()!;
            if (maxLength is { } max && ImageSchema.Characters(s) > max)
            {
                throw SchemaError($"'{s}' is too long");
            }

            items.Add(s);
        }

        return items;
    }

    private static KuraException TypeError(JsonElement value, string types) => SchemaError($"{value.GetRawText()} is not of type {types}");

    private static KuraException SchemaError(string detail) =>
        KuraException.BadRequest($"Provided object does not match schema 'image': {detail}");
}
