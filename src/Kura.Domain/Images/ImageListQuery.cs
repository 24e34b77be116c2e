namespace Kura.Domain.Images;

/// <summary>A comparison in a list filter. Text columns use Eq/In; numbers and times also the ordering operators.</summary>
public enum FilterOp
{
    Eq,
    Neq,
    In,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// <summary>What a filterable base column holds, which decides the operators and the type of its values.</summary>
public enum FilterKind
{
    /// <summary>Text compared with Eq or In (name, status, formats, id).</summary>
    Text,

    /// <summary>Text compared with Eq only (owner, checksums).</summary>
    Exact,

    /// <summary>A 64-bit integer (sizes, minimums).</summary>
    Integer,

    /// <summary>A UTC time, compared to the second with any operator but In.</summary>
    Time,

    /// <summary>true or false.</summary>
    Boolean,
}

/// <summary>
/// A filter on a base column (<see cref="Column"/>) or, when <see cref="IsProperty"/>, on an extra property. Build
/// one with <see cref="On"/>, <see cref="Equal"/> or <see cref="Property"/>, which refuse a column, operator or value
/// the catalogue cannot compare.
/// </summary>
public sealed record ImageFilter
{
    /// <summary>The base columns a list may filter on, and what each holds.</summary>
    public static readonly IReadOnlyDictionary<string, FilterKind> Columns = new Dictionary<string, FilterKind>(StringComparer.Ordinal)
    {
        ["name"] = FilterKind.Text,
        ["id"] = FilterKind.Text,
        ["status"] = FilterKind.Text,
        ["container_format"] = FilterKind.Text,
        ["disk_format"] = FilterKind.Text,
        ["owner"] = FilterKind.Exact,
        ["checksum"] = FilterKind.Exact,
        ["os_hash_value"] = FilterKind.Exact,
        ["size"] = FilterKind.Integer,
        ["virtual_size"] = FilterKind.Integer,
        ["min_ram"] = FilterKind.Integer,
        ["min_disk"] = FilterKind.Integer,
        ["created_at"] = FilterKind.Time,
        ["updated_at"] = FilterKind.Time,
        ["protected"] = FilterKind.Boolean,
    };

    private ImageFilter(string column, FilterOp op, IReadOnlyList<object> values, bool isProperty)
    {
        Column = column;
        Op = op;
        Values = values;
        IsProperty = isProperty;
    }

    public string Column { get; }

    public FilterOp Op { get; }

    /// <summary>One value, or several for <see cref="FilterOp.In"/>: string, long, bool or a UTC DateTimeOffset.</summary>
    public IReadOnlyList<object> Values { get; }

    public bool IsProperty { get; }

    /// <summary>The operators each kind of column takes.</summary>
    public static bool Allows(FilterKind kind, FilterOp op) => kind switch
    {
        FilterKind.Text => op is FilterOp.Eq or FilterOp.In,
        FilterKind.Exact or FilterKind.Boolean => op == FilterOp.Eq,
        FilterKind.Time => op != FilterOp.In,
        _ => true,
    };

    /// <summary>A filter on base column <paramref name="column"/>; ArgumentException for what the catalogue cannot compare.</summary>
    public static ImageFilter On(string column, FilterOp op, params object[] values)
    {
        if (!Columns.TryGetValue(column, out var kind))
        {
            throw new ArgumentException($"Images cannot be filtered on column '{column}'.", nameof(column));
        }

        if (!Allows(kind, op))
        {
            throw new ArgumentException($"Column '{column}' cannot be compared with {op}.", nameof(op));
        }

        if (values.Length == 0 || (op != FilterOp.In && values.Length != 1))
        {
            throw new ArgumentException($"{op} takes {(op == FilterOp.In ? "at least one value" : "one value")}.", nameof(values));
        }

        foreach (var value in values)
        {
            var fits = kind switch
            {
                FilterKind.Integer => value is long,
                FilterKind.Time => value is DateTimeOffset { Offset.Ticks: 0 },
                FilterKind.Boolean => value is bool,
                _ => value is string,
            };
            if (!fits)
            {
                throw new ArgumentException($"Column '{column}' ({kind}) cannot hold the value {value}.", nameof(values));
            }
        }

        return new ImageFilter(column, op, values, isProperty: false);
    }

    public static ImageFilter Equal(string column, object value) => On(column, FilterOp.Eq, value);

    /// <summary>Images whose extra property <paramref name="name"/> is exactly <paramref name="value"/>.</summary>
    public static ImageFilter Property(string name, string value) => new(name, FilterOp.Eq, [value], isProperty: true);
}

public sealed record SortKey(string Column, bool Descending);

/// <summary>
/// A list of images as values: which page (limit, marker), in which order, narrowed by which filters and tags, over
/// which visibility. The store turns it into one keyset-paged query; the rules about which images a caller may see
/// are applied by the store from <see cref="ImageVisibilityScope"/>. Each dialect builds one from its own wire syntax
/// (Glance's in Kura.Api.Glance.GlanceListQuery); <see cref="ImageService.ListAsync"/> clamps the limit.
/// </summary>
public sealed record ImageListQuery
{
    public static readonly string[] SortableColumns = ["name", "status", "container_format", "disk_format", "size", "id", "created_at", "updated_at"];

    /// <summary>Glance's default order: newest first.</summary>
    public static readonly IReadOnlyList<SortKey> DefaultSort = OrderBy([], tiesDescending: true);

    private readonly int _limit;
    private readonly IReadOnlyList<SortKey> _sort = DefaultSort;
    private readonly string? _visibility;
    private readonly string _memberStatus = Images.MemberStatus.Accepted;

    /// <summary>At most this many images (0 or more); the service lowers it to <see cref="ImageOptions.MaxListLimit"/>.</summary>
    public required int Limit
    {
        get => _limit;
        init => _limit = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Limit), value, "A page holds zero or more images.");
    }

    /// <summary>The page starts after this image (or with it, under <see cref="IncludeMarker"/>).</summary>
    public string? Marker { get; init; }

    /// <summary>The order, tie-breakers included: build it with <see cref="OrderBy"/>.</summary>
    public IReadOnlyList<SortKey> Sort
    {
        get => _sort;
        init
        {
            if (value.Any(k => !SortableColumns.Contains(k.Column)) || !value.Any(k => k.Column == "id"))
            {
                throw new ArgumentException("A sort names sortable columns and breaks its ties on id.", nameof(Sort));
            }

            _sort = value;
        }
    }

    public IReadOnlyList<ImageFilter> Filters { get; init; } = [];

    /// <summary>Images carrying every one of these tags.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>public, private, shared, community, all; null for the default list.</summary>
    public string? Visibility
    {
        get => _visibility;
        init => _visibility = value is null || IsVisibilityFilter(value)
            ? value
            : throw new ArgumentException($"Unknown visibility {value}.", nameof(Visibility));
    }

    /// <summary>pending, accepted, rejected or all; applies to images shared with the caller.</summary>
    public string MemberStatus
    {
        get => _memberStatus;
        init => _memberStatus = IsMemberStatusFilter(value)
            ? value
            : throw new ArgumentException($"Unknown member status {value}.", nameof(MemberStatus));
    }

    /// <summary>Only images hidden with os_hidden (true) or only the others (false, the default).</summary>
    public bool OsHidden { get; init; }

    /// <summary>NHN v1.0: the page starts with the marker image itself rather than after it (docs/PROVIDERS.md).</summary>
    public bool IncludeMarker { get; init; }

    /// <summary>A visibility a list may ask for: one of the four, or <c>all</c>.</summary>
    public static bool IsVisibilityFilter(string value) => value == "all" || ImageVisibility.All.Contains(value);

    /// <summary>A member status a list may ask for: one of the three, or <c>all</c>.</summary>
    public static bool IsMemberStatusFilter(string value) => value == "all" || Images.MemberStatus.All.Contains(value);

    /// <summary>
    /// <paramref name="keys"/> followed by Glance's tie-breakers, created_at and id, for those not already named, in
    /// the direction <paramref name="tiesDescending"/>. Throws ArgumentException for a column that cannot be sorted.
    /// </summary>
    public static IReadOnlyList<SortKey> OrderBy(IEnumerable<SortKey> keys, bool tiesDescending)
    {
        var result = new List<SortKey>();
        foreach (var key in keys)
        {
            if (!SortableColumns.Contains(key.Column))
            {
                throw new ArgumentException($"Images cannot be sorted by '{key.Column}'.", nameof(keys));
            }

            result.Add(key);
        }

        foreach (var tie in new[] { "created_at", "id" })
        {
            if (!result.Any(k => k.Column == tie))
            {
                result.Add(new SortKey(tie, tiesDescending));
            }
        }

        return result;
    }
}

/// <summary>Who the list is for: the caller's project and whether they are an admin (reference §1.8.2).</summary>
public sealed record ImageVisibilityScope(string? ProjectId, bool IsAdmin);

public sealed record ImagePage(IReadOnlyList<Image> Images, bool Full);
