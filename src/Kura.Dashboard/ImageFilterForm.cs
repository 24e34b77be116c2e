using Kura.Domain;
using Kura.Domain.Images;
using Microsoft.AspNetCore.Http;

namespace Kura.Dashboard;

/// <summary>
/// The list page's filters, sort and page, as they appear in its URL (<c>?status=active&amp;sort=size&amp;dir=asc</c>),
/// turned into the domain's list query, so the list means exactly what <c>GET /v2/images</c> means.
/// </summary>
public sealed record ImageFilterForm(
    string Name,
    string Status,
    string Visibility,
    string DiskFormat,
    string Tags,
    string Owner,
    string Sort,
    string Dir,
    string Marker)
{
    /// <summary>The columns the list can sort by (a subset of Glance's sort keys).</summary>
    public static readonly string[] SortColumns = ["name", "status", "disk_format", "size", "created_at"];

    public static ImageFilterForm Read(IQueryCollection query, bool isAdmin)
    {
        string Get(string key) => query[key].ToString().Trim();
        var sort = SortColumns.Contains(Get("sort")) ? Get("sort") : "created_at";
        var dir = Get("dir") == "asc" ? "asc" : "desc";
        return new ImageFilterForm(Get("name"), Get("status"), Get("visibility"), Get("disk_format"), Get("tags"),
            isAdmin ? Get("owner") : string.Empty, sort, dir, Get("marker"));
    }

    public ImageListQuery ToQuery(int pageSize)
    {
        if (Visibility.Length > 0 && !ImageListQuery.IsVisibilityFilter(Visibility))
        {
            throw KuraException.BadRequest($"Invalid visibility value: {Visibility}");
        }

        var filters = new List<ImageFilter>();
        foreach (var (column, value) in new[] { ("name", Name), ("status", Status), ("disk_format", DiskFormat), ("owner", Owner) })
        {
            if (value.Length > 0)
            {
                filters.Add(ImageFilter.Equal(column, value));
            }
        }

        return new ImageListQuery
        {
            Limit = pageSize,
            Marker = Marker.Length > 0 ? Marker : null,
            Sort = ImageListQuery.OrderBy([new SortKey(Sort, Dir == "desc")], tiesDescending: Dir == "desc"),
            Filters = filters,
            Tags = ImageForm.SplitTags(Tags).ToList(),
            Visibility = Visibility.Length > 0 ? Visibility : null,
        };
    }

    public bool IsFiltered => Name.Length + Status.Length + Visibility.Length + DiskFormat.Length + Tags.Length + Owner.Length > 0;

    /// <summary>This list's URL with some parts changed (another sort, the next page).</summary>
    public string Url(string? sort = null, string? dir = null, string? marker = null)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        AddIf(pairs, "name", Name);
        AddIf(pairs, "status", Status);
        AddIf(pairs, "visibility", Visibility);
        AddIf(pairs, "disk_format", DiskFormat);
        AddIf(pairs, "tags", Tags);
        AddIf(pairs, "owner", Owner);
        pairs.Add(new("sort", sort ?? Sort));
        pairs.Add(new("dir", dir ?? Dir));
        AddIf(pairs, "marker", marker ?? string.Empty);
        return $"{DashboardEndpoints.Prefix}/images" + QueryString.Create(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
    }

    private static void AddIf(List<KeyValuePair<string, string>> pairs, string key, string value)
    {
        if (value.Length > 0)
        {
            pairs.Add(new(key, value));
        }
    }
}
