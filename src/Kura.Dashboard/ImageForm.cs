using System.Globalization;
using Kura.Domain;
using Kura.Domain.Images;
using Microsoft.AspNetCore.Http;

namespace Kura.Dashboard;

/// <summary>
/// The fields of the create and edit forms, checked against Glance's image schema (<see cref="ImageSchema"/>: enums,
/// lengths, patterns) as the API checks JSON, and turned into the typed input of <see cref="ImageService"/>, which then
/// applies every rule of who may set what.
/// </summary>
public sealed record ImageForm(
    string? Name,
    string? DiskFormat,
    string? ContainerFormat,
    string Visibility,
    bool Protected,
    long MinDisk,
    long MinRam,
    IReadOnlyList<string> Tags,
    IReadOnlyList<KeyValuePair<string, string>> Properties)
{
    public static ImageForm Read(IFormCollection form, bool withFormats)
    {
        var name = form["name"].ToString().Trim();
        return new ImageForm(
            name.Length == 0 ? null : Check("name", name),
            withFormats ? Check("disk_format", form["disk_format"].ToString()) : null,
            withFormats ? Check("container_format", form["container_format"].ToString()) : null,
            Check("visibility", form["visibility"].ToString()),
            form["protected"].ToString() is "on" or "true",
            Number("min_disk", form["min_disk"].ToString()),
            Number("min_ram", form["min_ram"].ToString()),
            SplitTags(form["tags"].ToString()),
            ParseProperties(form["properties"].ToString()));
    }

    /// <summary>The fields of <see cref="ImageService.CreateAsync"/>.</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> CreateFields() =>
    [
        new("name", Name),
        new("disk_format", DiskFormat),
        new("container_format", ContainerFormat),
        new("visibility", Visibility),
        new("protected", Protected),
        new("min_disk", MinDisk),
        new("min_ram", MinRam),
        new("tags", Tags),
        .. Properties.Select(p => new KeyValuePair<string, object?>(p.Key, p.Value)),
    ];

    /// <summary>The PATCH that turns <paramref name="image"/> into what the form says; properties missing from the form are removed.</summary>
    public IReadOnlyList<PatchOp> PatchFor(Image image)
    {
        var ops = new List<PatchOp>
        {
            Replace("name", Name),
            Replace("visibility", Visibility),
            Replace("protected", Protected),
            Replace("min_disk", MinDisk),
            Replace("min_ram", MinRam),
            Replace("tags", Tags),
        };
        if (DiskFormat is not null && DiskFormat != image.DiskFormat)
        {
            ops.Add(Replace("disk_format", DiskFormat));
        }

        if (ContainerFormat is not null && ContainerFormat != image.ContainerFormat)
        {
            ops.Add(Replace("container_format", ContainerFormat));
        }

        var wanted = Properties.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        ops.AddRange(image.Properties.Where(p => !wanted.ContainsKey(p.Key)).Select(p => new PatchOp(PatchOpKind.Remove, p.Key, null, false)));
        ops.AddRange(Properties.Where(p => image.Properties.All(old => old.Key != p.Key || old.Value != p.Value))
            .Select(p => new PatchOp(PatchOpKind.Add, p.Key, p.Value, false)));
        return ops;
    }

    private static PatchOp Replace(string key, object? value) => new(PatchOpKind.Replace, key, value, false);

    public static IReadOnlyList<string> SplitTags(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)
            .Select(tag => tag.Length <= 255 ? tag : throw KuraException.BadRequest($"The tag '{tag[..16]}…' is longer than 255 characters."))
            .ToList();

    /// <summary>"key=value" lines; base attributes have their own fields and are refused here.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ParseProperties(string text)
    {
        var properties = new List<KeyValuePair<string, string>>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            var key = (eq < 0 ? line : line[..eq]).Trim();
            var value = eq < 0 ? string.Empty : line[(eq + 1)..].Trim();
            if (key.Length == 0)
            {
                throw KuraException.BadRequest($"The property line '{line}' has no key; write key=value.");
            }

            if (ImageSchema.Find(key) is { IsBase: true } || ImageSchema.LinkKeys.Contains(key))
            {
                throw KuraException.BadRequest($"'{key}' is not an extra property; set it with its own field.");
            }

            if (properties.Any(p => p.Key == key))
            {
                throw KuraException.BadRequest($"The property '{key}' is given twice.");
            }

            properties.Add(new(key, Check(key, value)));
        }

        return properties;
    }

    /// <summary>A string value against the schema's rule for <paramref name="key"/> (length, enum, UUID pattern).</summary>
    private static string Check(string key, string value)
    {
        var rule = ImageSchema.Find(key);
        if (rule?.MaxLength is { } max && value.Length > max)
        {
            throw KuraException.BadRequest($"The value of '{key}' is longer than {max} characters.");
        }

        if (rule?.Enum is { } allowed && !allowed.Contains(value))
        {
            throw KuraException.BadRequest($"'{value}' is not one of {string.Join(", ", allowed)} for '{key}'.");
        }

        return rule is { UuidPattern: true } && !ImageSchema.IsUuid(value)
            ? throw KuraException.BadRequest($"The value of '{key}' must be a UUID.")
            : value;
    }

    private static long Number(string key, string text) =>
        text.Trim().Length == 0 ? 0
        : long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
        : throw KuraException.BadRequest($"'{key}' must be a whole number, 0 or more.");
}
