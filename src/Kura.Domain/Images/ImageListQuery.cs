using System.Globalization;

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

/// <summary>A filter on a base column (<see cref="Column"/>) or, when <see cref="IsProperty"/>, on an extra property.</summary>
public sealed record ImageFilter(string Column, FilterOp Op, IReadOnlyList<object> Values, bool IsProperty = false);

public sealed record SortKey(string Column, bool Descending);

/// <summary>
/// Glance's <c>GET /v2/images</c> query, parsed and validated (reference §1.8.1). The store turns it into one
/// keyset-paged query; the rules about which images a caller may see are applied by the store from
/// <see cref="ImageVisibilityScope"/>.
/// </summary>
public sealed class ImageListQuery
{
    public static readonly string[] SortableColumns = ["name", "status", "container_format", "disk_format", "size", "id", "created_at", "updated_at"];

    private static readonly string[] TextColumns = ["name", "id", "status", "container_format", "disk_format"];
    private static readonly string[] ExactColumns = ["owner", "checksum", "os_hash_value"];
    private static readonly string[] IntColumns = ["size", "virtual_size", "min_ram", "min_disk"];
    private static readonly string[] TimeColumns = ["created_at", "updated_at"];

    public int Limit { get; private set; }

    public string? Marker { get; private set; }

    public IReadOnlyList<SortKey> Sort { get; private set; } = [];

    public List<ImageFilter> Filters { get; } = [];

    public List<string> Tags { get; } = [];

    /// <summary>public, private, shared, community, all; null for the default list.</summary>
    public string? Visibility { get; private set; }

    /// <summary>pending, accepted, rejected or all; applies to images shared with the caller.</summary>
    public string MemberStatus { get; private set; } = Images.MemberStatus.Accepted;

    public bool OsHidden { get; private set; }

    /// <summary>NHN v1.0: the page starts with the marker image itself rather than after it (docs/PROVIDERS.md).</summary>
    public bool IncludeMarker { get; set; }

    public static ImageListQuery Parse(IEnumerable<KeyValuePair<string, string>> parameters, int defaultLimit, int maxLimit)
    {
        var q = new ImageListQuery { Limit = defaultLimit };
        var sortKeys = new List<string>();
        var sortDirs = new List<string>();
        string? sort = null;

        foreach (var (key, value) in parameters)
        {
            switch (key)
            {
                case "limit":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit))
                    {
                        throw KuraException.BadRequest("limit param must be an integer");
                    }

                    q.Limit = Math.Min(limit, maxLimit);
                    break;
                case "marker":
                    q.Marker = value;
                    break;
                case "sort_key":
                    sortKeys.Add(value);
                    break;
                case "sort_dir":
                    sortDirs.Add(value);
                    break;
                case "sort":
                    sort = value;
                    break;
                case "visibility":
                    if (value != "all" && !ImageVisibility.All.Contains(value))
                    {
                        throw KuraException.BadRequest($"Invalid visibility value: {value}");
                    }

                    q.Visibility = value;
                    break;
                case "member_status":
                    if (value != "all" && !Images.MemberStatus.All.Contains(value))
                    {
                        throw KuraException.BadRequest($"Invalid status value: {value}");
                    }

                    q.MemberStatus = value;
                    break;
                case "os_hidden":
                    q.OsHidden = ParseBool(key, value.ToLowerInvariant());
                    break;
                case "protected":
                    // Glance is case-sensitive here; openstacksdk sends "True". Be lenient, as the reference advises.
                    q.Filters.Add(new ImageFilter("protected", FilterOp.Eq, [ParseBool(key, value.ToLowerInvariant())]));
                    break;
                case "tag":
                    q.Tags.Add(value);
                    break;
                case "changes-since":
                    throw KuraException.BadRequest("The \"changes-since\" filter is no longer available on v2.");
                case "size_min":
                    q.Filters.Add(new ImageFilter("size", FilterOp.Gte, [ParseLong(key, value)]));
                    break;
                case "size_max":
                    q.Filters.Add(new ImageFilter("size", FilterOp.Lte, [ParseLong(key, value)]));
                    break;
                default:
                    q.Filters.Add(ParseFilter(key, value));
                    break;
            }
        }

        if (q.Limit < 0)
        {
            throw KuraException.BadRequest("limit param must be positive");
        }

        q.Sort = ParseSort(sort, sortKeys, sortDirs);
        return q;
    }

    private static ImageFilter ParseFilter(string key, string value)
    {
        if (TextColumns.Contains(key))
        {
            var (op, operand) = SplitOperator(value);
            return op switch
            {
                FilterOp.Eq => new ImageFilter(key, FilterOp.Eq, [operand]),
                FilterOp.In => new ImageFilter(key, FilterOp.In, SplitInList(operand)),
                _ => throw KuraException.BadRequest($"Unable to filter by unknown operator '{OperatorName(op)}'."),
            };
        }

        if (ExactColumns.Contains(key))
        {
            return new ImageFilter(key, FilterOp.Eq, [value]);
        }

        if (IntColumns.Contains(key))
        {
            return new ImageFilter(key, FilterOp.Eq, [ParseLong(key, value)]);
        }

        if (TimeColumns.Contains(key))
        {
            var (op, operand) = SplitOperator(value, timeOperators: true);
            if (op == FilterOp.In)
            {
                throw KuraException.BadRequest("Unable to filter by unknown operator 'in'.");
            }

            if (!DateTimeOffset.TryParse(operand, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                throw KuraException.BadRequest($"Unable to filter on a range with a invalid time {operand}");
            }

            return new ImageFilter(key, op, [at.ToUniversalTime()]);
        }

        return new ImageFilter(key, FilterOp.Eq, [value], IsProperty: true);
    }

    /// <summary>Splits Glance's "op:value" syntax; a value with a colon and no known operator is a 400, as in Glance.</summary>
    private static (FilterOp Op, string Operand) SplitOperator(string value, bool timeOperators = false)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return (FilterOp.Eq, value);
        }

        // As Glance's split_filter_op: a whole value that is an ISO 8601 time has no operator (its colons are the time's).
        if (value.Contains('T', StringComparison.Ordinal) &&
            DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
        {
            return (FilterOp.Eq, value);
        }

        var prefix = value[..colon];
        FilterOp? op = prefix switch
        {
            "eq" => FilterOp.Eq,
            "in" => FilterOp.In,
            "neq" when timeOperators => FilterOp.Neq,
            "gt" when timeOperators => FilterOp.Gt,
            "gte" when timeOperators => FilterOp.Gte,
            "lt" when timeOperators => FilterOp.Lt,
            "lte" when timeOperators => FilterOp.Lte,
            _ => null,
        };
        if (op is null)
        {
            throw KuraException.BadRequest($"Unable to filter by unknown operator '{prefix}'.");
        }

        return (op.Value, value[(colon + 1)..]);
    }

    private static string OperatorName(FilterOp op) => op.ToString().ToLowerInvariant();

    /// <summary>Comma-separated list where an item may be double-quoted to contain commas.</summary>
    private static List<object> SplitInList(string operand)
    {
        var items = new List<object>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in operand)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                items.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        if (quoted)
        {
            throw KuraException.BadRequest($"Invalid filter value {operand}. The quote is not closed.");
        }

        items.Add(current.ToString());
        return items;
    }

    private static IReadOnlyList<SortKey> ParseSort(string? sort, List<string> sortKeys, List<string> sortDirs)
    {
        var keys = new List<(string Key, string? Dir)>();
        if (sort is not null)
        {
            if (sortKeys.Count > 0 || sortDirs.Count > 0)
            {
                throw KuraException.BadRequest("The 'sort' argument is not supported with 'sort_key' or 'sort_dir'.");
            }

            foreach (var part in sort.Split(','))
            {
                var pieces = part.Trim().Split(':');
                if (pieces.Length > 2)
                {
                    throw KuraException.BadRequest($"Invalid sort value: {part}");
                }

                keys.Add((pieces[0], pieces.Length == 2 ? pieces[1] : "desc"));
            }
        }
        else
        {
            if (sortDirs.Count > 1 && sortDirs.Count != sortKeys.Count)
            {
                throw KuraException.BadRequest("Number of sort dirs does not match the number of sort keys");
            }

            for (var i = 0; i < sortKeys.Count; i++)
            {
                keys.Add((sortKeys[i], sortDirs.Count == 0 ? "desc" : sortDirs.Count == 1 ? sortDirs[0] : sortDirs[i]));
            }
        }

        foreach (var dir in sortDirs.Where(d => d is not ("asc" or "desc")))
        {
            throw KuraException.BadRequest($"Invalid sort direction: {dir}");
        }

        var result = new List<SortKey>();
        foreach (var (key, dir) in keys)
        {
            if (!SortableColumns.Contains(key))
            {
                throw KuraException.BadRequest($"Invalid sort key: {key}. It must be one of the following: {string.Join(", ", SortableColumns)}.");
            }

            if (dir is not ("asc" or "desc"))
            {
                throw KuraException.BadRequest($"Invalid sort direction: {dir}");
            }

            result.Add(new SortKey(key, dir == "desc"));
        }

        // Glance appends created_at and id as tie-breakers, in the direction given when exactly one was given, else desc.
        var givenDirs = sort is not null ? keys.Select(k => k.Dir ?? "desc").ToList() : sortDirs;
        var tieDescending = givenDirs.Count != 1 || givenDirs[0] == "desc";

        foreach (var tie in new[] { "created_at", "id" })
        {
            if (!result.Any(k => k.Column == tie))
            {
                result.Add(new SortKey(tie, tieDescending));
            }
        }

        return result;
    }

    private static bool ParseBool(string key, string value) => value switch
    {
        "true" => true,
        "false" => false,
        _ => throw KuraException.BadRequest($"Invalid value '{value}' for '{key}' filter. Valid values are 'true' or 'false'."),
    };

    private static long ParseLong(string key, string value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw KuraException.BadRequest($"Invalid value for {key}: {value}. It must be an integer.");
}

/// <summary>Who the list is for: the caller's project and whether they are an admin (reference §1.8.2).</summary>
public sealed record ImageVisibilityScope(string? ProjectId, bool IsAdmin);

public sealed record ImagePage(IReadOnlyList<Image> Images, bool Full);
