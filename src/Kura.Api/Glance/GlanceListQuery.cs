using System.Globalization;
using System.Text;
using Kura.Domain;
using Kura.Domain.Images;
using SortKey = Kura.Domain.Images.SortKey;

namespace Kura.Api.Glance;

/// <summary>
/// Glance's <c>GET /v2/images</c> query string (reference §1.8.1) read into the domain's typed
/// <see cref="ImageListQuery"/>, with Glance's messages for what it refuses; and the ordered pairs the list's
/// <c>first</c> and <c>next</c> links are written from.
/// </summary>
public static class GlanceListQuery
{
    public static ImageListQuery Parse(IEnumerable<KeyValuePair<string, string>> parameters, int defaultLimit)
    {
        var limit = defaultLimit;
        string? marker = null, visibility = null, memberStatus = null;
        var osHidden = false;
        var filters = new List<ImageFilter>();
        var tags = new List<string>();
        var sortKeys = new List<string>();
        var sortDirs = new List<string>();
        string? sort = null;

        foreach (var (key, value) in parameters)
        {
            switch (key)
            {
                case "limit":
                    limit = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                        ? n
                        : throw KuraException.BadRequest("limit param must be an integer");
                    break;
                case "marker":
                    marker = value;
                    break;
                case "sort_key":
                    sortKeys.Add(value);
                    break;
                case "sort_dir":
                    sortDirs.Add(value);
                    break;
                case "sort":
                    // As Glance, which pops the first `sort` from the parameters: a later one is not read.
                    sort ??= value;
                    break;
                case "visibility":
                    visibility = ImageListQuery.IsVisibilityFilter(value)
                        ? value
                        : throw KuraException.BadRequest($"Invalid visibility value: {value}");
                    break;
                case "member_status":
                    memberStatus = ImageListQuery.IsMemberStatusFilter(value)
                        ? value
                        : throw KuraException.BadRequest($"Invalid status value: {value}");
                    break;
                case "os_hidden":
                    osHidden = ParseBool(key, value.ToLowerInvariant());
                    break;
                case "protected":
                    // Glance is case-sensitive here; openstacksdk sends "True". Be lenient, as the reference advises.
                    filters.Add(ImageFilter.Equal("protected", ParseBool(key, value.ToLowerInvariant())));
                    break;
                case "tag":
                    tags.Add(value);
                    break;
                case "changes-since":
                    throw KuraException.BadRequest("The \"changes-since\" filter is no longer available on v2.");
                case "size_min":
                    filters.Add(ImageFilter.On("size", FilterOp.Gte, ParseLong(key, value)));
                    break;
                case "size_max":
                    filters.Add(ImageFilter.On("size", FilterOp.Lte, ParseLong(key, value)));
                    break;
                default:
                    filters.Add(ParseFilter(key, value));
                    break;
            }
        }

        if (limit < 0)
        {
            throw KuraException.BadRequest("limit param must be positive");
        }

        return new ImageListQuery
        {
            Limit = limit,
            Marker = marker,
            Sort = ParseSort(sort, sortKeys, sortDirs),
            Filters = filters,
            Tags = tags,
            Visibility = visibility,
            MemberStatus = memberStatus ?? MemberStatus.Accepted,
            OsHidden = osHidden,
        };
    }

    /// <summary>The query string as ordered pairs, repeated keys kept (ASP.NET's collection groups them).</summary>
    public static List<KeyValuePair<string, string>> Pairs(string? queryString)
    {
        var result = new List<KeyValuePair<string, string>>();
        if (string.IsNullOrEmpty(queryString))
        {
            return result;
        }

        foreach (var part in queryString.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? string.Empty : part[(eq + 1)..];
            result.Add(new(Unescape(key), Unescape(value)));
        }

        return result;
    }

    /// <summary>Ordered pairs back into a query string (without the <c>?</c>).</summary>
    public static string Encode(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var sb = new StringBuilder();
        foreach (var (key, value) in parameters)
        {
            if (sb.Length > 0)
            {
                sb.Append('&');
            }

            sb.Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return sb.ToString();
    }

    private static string Unescape(string s)
    {
        try
        {
            return Uri.UnescapeDataString(s.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            throw KuraException.BadRequest("Invalid query string.");
        }
    }

    private static ImageFilter ParseFilter(string key, string value)
    {
        if (!ImageFilter.Columns.TryGetValue(key, out var kind) || kind == FilterKind.Boolean)
        {
            return ImageFilter.Property(key, value);
        }

        switch (kind)
        {
            case FilterKind.Exact:
                return ImageFilter.Equal(key, value);
            case FilterKind.Integer:
                return ImageFilter.Equal(key, ParseLong(key, value));
            case FilterKind.Text:
                var (op, operand) = SplitOperator(value, timeOperators: false);
                return op switch
                {
                    FilterOp.Eq => ImageFilter.Equal(key, operand),
                    FilterOp.In => ImageFilter.On(key, FilterOp.In, SplitInList(operand)),
                    _ => throw KuraException.BadRequest($"Unable to filter by unknown operator '{op.ToString().ToLowerInvariant()}'."),
                };
            default:
                var (timeOp, time) = SplitOperator(value, timeOperators: true);
                if (timeOp == FilterOp.In)
                {
                    throw KuraException.BadRequest("Unable to filter by unknown operator 'in'.");
                }

                if (!DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                {
                    throw KuraException.BadRequest($"Unable to filter on a range with a invalid time {time}");
                }

                return ImageFilter.On(key, timeOp, at.ToUniversalTime());
        }
    }

    /// <summary>Splits Glance's "op:value" syntax; a value with a colon and no known operator is a 400, as in Glance.</summary>
    private static (FilterOp Op, string Operand) SplitOperator(string value, bool timeOperators)
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

    /// <summary>Comma-separated list where an item may be double-quoted to contain commas.</summary>
    private static object[] SplitInList(string operand)
    {
        var items = new List<object>();
        var current = new StringBuilder();
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
        return [.. items];
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
            if (!ImageListQuery.SortableColumns.Contains(key))
            {
                throw KuraException.BadRequest($"Invalid sort key: {key}. It must be one of the following: {string.Join(", ", ImageListQuery.SortableColumns)}.");
            }

            if (dir is not ("asc" or "desc"))
            {
                throw KuraException.BadRequest($"Invalid sort direction: {dir}");
            }

            result.Add(new SortKey(key, dir == "desc"));
        }

        // Glance appends created_at and id as tie-breakers, in the direction given when exactly one was given, else desc.
        var givenDirs = sort is not null ? keys.Select(k => k.Dir ?? "desc").ToList() : sortDirs;
        return ImageListQuery.OrderBy(result, tiesDescending: givenDirs.Count != 1 || givenDirs[0] == "desc");
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
