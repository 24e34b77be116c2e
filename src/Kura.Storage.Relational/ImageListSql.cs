using System.Text;
using Kura.Domain.Images;

namespace Kura.Storage.Relational;

/// <summary>
/// The WHERE and ORDER BY of an image list page, for any SQL database with row values: visibility, filters, the
/// keyset condition after the marker, and the sort. Values reach SQL only through <c>param</c>, which binds a value
/// and returns its placeholder; only fixed column names are spliced.
/// </summary>
public static class ImageListSql
{
    /// <summary>Sort columns as SQL expressions; NULLs compare as '' or 0 so that keyset paging is total.</summary>
    public static readonly Dictionary<string, string> SortExpressions = new(StringComparer.Ordinal)
    {
        ["name"] = "COALESCE(i.name, '')",
        ["status"] = "i.status",
        ["container_format"] = "COALESCE(i.container_format, '')",
        ["disk_format"] = "COALESCE(i.disk_format, '')",
        ["size"] = "COALESCE(i.size, 0)",
        ["id"] = "i.id",
        ["created_at"] = "i.created_at",
        ["updated_at"] = "i.updated_at",
    };

    public static readonly HashSet<string> FilterColumns = new(StringComparer.Ordinal)
    {
        "name", "id", "status", "container_format", "disk_format", "owner", "checksum", "os_hash_value",
        "size", "virtual_size", "min_ram", "min_disk", "protected", "created_at", "updated_at",
    };

    /// <summary>Sort columns an index delivers in order (migration 0004's sort indexes and ix_images_created).</summary>
    private static readonly HashSet<string> IndexedOrders = new(StringComparer.Ordinal) { "created_at", "name", "size", "updated_at" };

    /// <summary>
    /// The whole page query: <c>SELECT columns FROM images i WHERE base AND …conditions ORDER BY … LIMIT</c>. With
    /// <paramref name="narrowSorts"/> (SQLite), when the database must sort the matches itself (a tag filter, or a
    /// first sort key no index is ordered by), the sort runs over ids and sort keys only and the page's full rows
    /// are read after it, so that sorting many matches never carries their properties and tags along. PostgreSQL's
    /// top-N sort keeps only the page anyway, and its planner misjudges the split query for a rare tag.
    /// </summary>
    public static string Page(string columns, string baseCondition, ImageListQuery query, ImageVisibilityScope scope, Image? marker, Func<object, string> param, bool narrowSorts)
    {
        var where = new StringBuilder(baseCondition);
        AppendConditions(where, query, scope, marker, param);
        var order = new StringBuilder();
        AppendOrderBy(order, query);
        var limit = param(query.Limit);
        if (!narrowSorts || (query.Tags.Count == 0 && IndexedOrders.Contains(query.Sort[0].Column)))
        {
            return $"SELECT {columns} FROM images i WHERE {where}{order} LIMIT {limit}";
        }

        return $"SELECT {columns} FROM images i JOIN (SELECT i.id AS page_id FROM images i WHERE {where}{order} LIMIT {limit}) page ON i.id = page.page_id{order}";
    }

    /// <summary>Appends every condition of <paramref name="query"/> (the caller has written <c>WHERE</c> and the fixed ones).</summary>
    public static void AppendConditions(StringBuilder sql, ImageListQuery query, ImageVisibilityScope scope, Image? marker, Func<object, string> param)
    {
        AppendVisibility(sql, query, scope, param);
        AppendFilters(sql, query, param);
        if (marker is not null)
        {
            AppendKeyset(sql, query.Sort, marker, param);
        }
    }

    /// <summary>Appends <c> ORDER BY …</c> in the query's sort order.</summary>
    public static void AppendOrderBy(StringBuilder sql, ImageListQuery query)
    {
        sql.Append(" ORDER BY ");
        sql.AppendJoin(", ", query.Sort.Select(k => SortExpressions[k.Column] + (k.Descending ? " DESC" : " ASC")));
    }

    private static void AppendVisibility(StringBuilder sql, ImageListQuery query, ImageVisibilityScope scope, Func<object, string> param)
    {
        var project = param(scope.ProjectId ?? string.Empty);
        if (!scope.IsAdmin)
        {
            // The membership is one primary-key probe per shared image, as a scalar subquery: PostgreSQL would
            // otherwise hash every membership of the project before returning the first row.
            var membership = $"(SELECT m.status FROM image_members m WHERE m.image_id = i.id AND m.member = {project})";
            var isMember = query.MemberStatus == "all" ? membership + " IS NOT NULL" : membership + " = " + param(query.MemberStatus);
            sql.Append($"""
                 AND (i.visibility IN ('public', 'community') OR i.owner = {project}
                      OR (i.visibility = 'shared' AND {isMember}))
                """);
        }

        if (query.Visibility is null)
        {
            sql.Append($" AND NOT (i.visibility = 'community' AND (i.owner IS NULL OR i.owner <> {project}))");
        }
        else if (query.Visibility != "all")
        {
            sql.Append(" AND i.visibility = ").Append(param(query.Visibility));
        }
    }

    private static void AppendFilters(StringBuilder sql, ImageListQuery query, Func<object, string> param)
    {
        foreach (var filter in query.Filters)
        {
            if (filter.IsProperty)
            {
                sql.Append($" AND EXISTS (SELECT 1 FROM image_properties ip WHERE ip.image_id = i.id AND ip.name = {param(filter.Column)} AND ip.value = {param(filter.Values[0])})");
                continue;
            }

            if (!FilterColumns.Contains(filter.Column))
            {
                throw new ArgumentException($"Unknown filter column {filter.Column}");
            }

            var column = "i." + filter.Column;
            if (filter.Values[0] is DateTimeOffset at)
            {
                // Timestamps are shown to the second; compare at that granularity.
                // Counted in microseconds: the second after 9999-12-31T23:59:59 is no DateTimeOffset.
                var second = Micros.From(at.AddTicks(-(at.UtcTicks % TimeSpan.TicksPerSecond)));
                var from = param(second);
                var next = param(second + 1_000_000);
                sql.Append(filter.Op switch
                {
                    FilterOp.Eq => $" AND {column} >= {from} AND {column} < {next}",
                    FilterOp.Neq => $" AND ({column} < {from} OR {column} >= {next})",
                    FilterOp.Gt => $" AND {column} >= {next}",
                    FilterOp.Gte => $" AND {column} >= {from}",
                    FilterOp.Lt => $" AND {column} < {from}",
                    _ => $" AND {column} < {next}",
                });
                continue;
            }

            var values = filter.Values;
            sql.Append(filter.Op switch
            {
                FilterOp.In => $" AND {column} IN ({string.Join(", ", values.Select(param))})",
                FilterOp.Gte => $" AND {column} >= {param(values[0])}",
                FilterOp.Lte => $" AND {column} <= {param(values[0])}",
                FilterOp.Gt => $" AND {column} > {param(values[0])}",
                FilterOp.Lt => $" AND {column} < {param(values[0])}",
                FilterOp.Neq => $" AND {column} <> {param(values[0])}",
                _ => $" AND {column} = {param(values[0])}",
            });
        }

        // Tags are usually selective: start from the tag's images rather than testing every image in sort order.
        foreach (var tag in query.Tags)
        {
            sql.Append($" AND i.id IN (SELECT it.image_id FROM image_tags it WHERE it.value = {param(tag)})");
        }
    }

    /// <summary>
    /// Rows strictly after the marker in the sort order. When every key runs the same way this is one row-value
    /// comparison, which SQLite answers from the index (the default created_at, id order); otherwise
    /// (k1 after v1) OR (k1 = v1 AND k2 after v2) OR ….
    /// </summary>
    private static void AppendKeyset(StringBuilder sql, IReadOnlyList<SortKey> sort, Image marker, Func<object, string> param)
    {
        var values = sort.Select(k => param(MarkerValue(k.Column, marker))).ToList();
        if (sort.All(k => k.Descending == sort[0].Descending))
        {
            sql.Append(" AND (").AppendJoin(", ", sort.Select(k => SortExpressions[k.Column]))
               .Append(sort[0].Descending ? ") < (" : ") > (").AppendJoin(", ", values).Append(')');
            return;
        }

        sql.Append(" AND (");
        for (var i = 0; i < sort.Count; i++)
        {
            if (i > 0)
            {
                sql.Append(" OR ");
            }

            sql.Append('(');
            for (var j = 0; j < i; j++)
            {
                sql.Append(SortExpressions[sort[j].Column]).Append(" = ").Append(values[j]).Append(" AND ");
            }

            sql.Append(SortExpressions[sort[i].Column]).Append(sort[i].Descending ? " < " : " > ").Append(values[i]).Append(')');
        }

        sql.Append(')');
    }

    private static object MarkerValue(string column, Image m) => column switch
    {
        "name" => m.Name ?? string.Empty,
        "status" => m.Status,
        "container_format" => m.ContainerFormat ?? string.Empty,
        "disk_format" => m.DiskFormat ?? string.Empty,
        "size" => m.Size ?? 0,
        "id" => m.Id,
        "created_at" => Micros.From(m.CreatedAt),
        "updated_at" => Micros.From(m.UpdatedAt),
        _ => throw new ArgumentOutOfRangeException(nameof(column)),
    };
}

/// <summary>Timestamps as microseconds since the Unix epoch, UTC: how every relational backend stores them.</summary>
public static class Micros
{
    public static long From(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset To(long micros) => DateTimeOffset.UnixEpoch.AddTicks(micros * 10);
}
