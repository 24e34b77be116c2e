using Kura.Domain.Images;
using static Kura.Dashboard.Html;

namespace Kura.Dashboard.Pages;

/// <summary>The images list: storage against quota, filters, a sortable table, paging, and images shared with the project.</summary>
public static class ImageListPage
{
    public static Html Render(DashboardRequest r, Form form, ImageFilterForm filter, ImagePage? page, string? error,
        ProjectStorage storage, IReadOnlyList<(Image Image, ImageMember Member)> shared)
    {
        var t = r.T;
        var rows = page?.Images.Select(i => H($"""
            <tr>
            <td><a href="{DashboardEndpoints.Prefix}/images/{i.Id}">{i.Name ?? t["unnamed"]}</a></td>
            <td><span class="badge status-{i.Status}">{i.Status}</span></td>
            <td>{t.Word("vis", i.Visibility)}</td>
            <td>{i.DiskFormat ?? "—"}</td>
            <td class="num">{Texts.Bytes(i.Size)}</td>
            <td>{Texts.Time(i.CreatedAt)}</td>
            {When(r.IsAdmin, H($"<td class=\"mono\">{i.Owner}</td>"))}
            </tr>
            """)) ?? [];
        var empty = page is { Images.Count: 0 } ? H($"""<p>{t["images.none"]}</p>""") : Html.Empty;
        var next = page is { Full: true, Images.Count: > 0 }
            ? H($"""<a class="button" rel="next" href="{filter.Url(marker: page.Images[^1].Id)}">{t["images.next"]}</a>""")
            : Html.Empty;
        var first = filter.Marker.Length > 0 ? H($"""<a class="button" href="{filter.Url(marker: string.Empty)}">{t["images.first"]}</a>""") : Html.Empty;

        return H($"""
            <h1>{t["images.title"]}</h1>
            {Usage(t, storage)}
            <details class="card filters"{(filter.IsFiltered ? new Html(" open") : Html.Empty)}>
            <summary>{t["filter.title"]}</summary>
            <form method="get" action="{DashboardEndpoints.Prefix}/images" class="grid" role="search">
            <div class="field"><label for="f-name">{t["filter.name"]}</label><input id="f-name" name="name" value="{filter.Name}"></div>
            <div class="field"><label for="f-status">{t["filter.status"]}</label>{Select(t, "f-status", "status", filter.Status, ImageStatus.All.Order(StringComparer.Ordinal), v => v)}</div>
            <div class="field"><label for="f-visibility">{t["filter.visibility"]}</label>{Select(t, "f-visibility", "visibility", filter.Visibility, [.. ImageVisibility.All, "all"], v => v == "all" ? "all" : t.Word("vis", v))}</div>
            <div class="field"><label for="f-disk">{t["filter.disk_format"]}</label>{Select(t, "f-disk", "disk_format", filter.DiskFormat, ImageSchema.DiskFormats, v => v)}</div>
            <div class="field"><label for="f-tags">{t["filter.tags"]}</label><input id="f-tags" name="tags" value="{filter.Tags}"></div>
            {When(r.IsAdmin, H($"""<div class="field"><label for="f-owner">{t["filter.owner"]}</label><input id="f-owner" name="owner" value="{filter.Owner}"></div>"""))}
            <input type="hidden" name="sort" value="{filter.Sort}"><input type="hidden" name="dir" value="{filter.Dir}">
            <div class="buttons"><button type="submit" class="primary">{t["filter.apply"]}</button> <a class="button" href="{DashboardEndpoints.Prefix}/images">{t["filter.clear"]}</a></div>
            </form>
            </details>
            {(error is null ? Html.Empty : H($"""<p class="flash error" role="alert">{t.Format("failed", error)}</p>"""))}
            <div class="table-wrap">
            <table class="images">
            <caption class="visually-hidden">{t["images.title"]}</caption>
            <thead><tr>
            {Header(t, filter, "name", "col.name")}
            {Header(t, filter, "status", "col.status")}
            <th scope="col">{t["col.visibility"]}</th>
            {Header(t, filter, "disk_format", "col.disk_format")}
            {Header(t, filter, "size", "col.size")}
            {Header(t, filter, "created_at", "col.created_at")}
            {When(r.IsAdmin, H($"""<th scope="col">{t["col.owner"]}</th>"""))}
            </tr></thead>
            <tbody>{rows}</tbody>
            </table>
            </div>
            {empty}
            <nav class="pager" aria-label="pages">{first} {next}</nav>
            {SharedWithMe(r, form, shared)}
            """);
    }

    private static Html Usage(Texts t, ProjectStorage storage)
    {
        var used = Texts.Bytes(storage.StoredBytes);
        if (storage.Quota is not { } quota)
        {
            return H($"""<section class="card usage" aria-label="{t["usage.title"]}"><h2>{t["usage.title"]}</h2><p>{t.Format("usage.unlimited", used)} · {t.Format("usage.images", storage.Images)}</p></section>""");
        }

        var percent = quota == 0 ? 100 : Math.Min(100, (int)(storage.StoredBytes * 100 / quota));
        return H($"""
            <section class="card usage" aria-label="{t["usage.title"]}"><h2>{t["usage.title"]}</h2>
            <p id="usage-text">{t.Format("usage.of", used, Texts.Bytes(quota), $"{percent}%")} · {t.Format("usage.images", storage.Images)}</p>
            <meter min="0" max="{quota}" value="{storage.StoredBytes}" high="{quota * 9 / 10}" aria-labelledby="usage-text">{percent}%</meter>
            </section>
            """);
    }

    private static Html Header(Texts t, ImageFilterForm filter, string column, string label)
    {
        var active = filter.Sort == column;
        var nextDir = active && filter.Dir == "asc" ? "desc" : "asc";
        var sort = active ? (filter.Dir == "asc" ? "ascending" : "descending") : "none";
        var arrow = active ? (filter.Dir == "asc" ? " ▲" : " ▼") : string.Empty;
        return H($"""<th scope="col" aria-sort="{sort}"><a href="{filter.Url(sort: column, dir: nextDir, marker: string.Empty)}" title="{t.Format("sort.by", t[label])} ({t["sort." + nextDir]})">{t[label]}{arrow}</a></th>""");
    }

    private static Html Select(Texts t, string id, string name, string current, IEnumerable<string> values, Func<string, string> label) => H($"""
        <select id="{id}" name="{name}"><option value="">{t["filter.any"]}</option>{values.Select(v => H($"""<option value="{v}"{Layout.Selected(v == current)}>{label(v)}</option>"""))}</select>
        """);

    private static Html SharedWithMe(DashboardRequest r, Form form, IReadOnlyList<(Image Image, ImageMember Member)> shared)
    {
        var t = r.T;
        var rows = shared.Select(s => H($"""
            <tr>
            <td><a href="{DashboardEndpoints.Prefix}/images/{s.Image.Id}">{s.Image.Name ?? t["unnamed"]}</a></td>
            <td class="mono">{s.Image.Owner}</td>
            <td><span class="badge member-{s.Member.Status}">{t.Word("member", s.Member.Status)}</span></td>
            <td>{ImagePageView.ShareButtons(r, form, s.Image.Id, s.Member.Status)}</td>
            </tr>
            """));
        return H($"""
            <section class="shared" aria-labelledby="shared-title">
            <h2 id="shared-title">{t["shared.title"]}</h2>
            {(shared.Count == 0 ? H($"<p>{t["shared.none"]}</p>") : H($"""
                <div class="table-wrap"><table>
                <thead><tr><th scope="col">{t["col.name"]}</th><th scope="col">{t["col.owner"]}</th><th scope="col">{t["col.member_status"]}</th><th scope="col">{t["col.actions"]}</th></tr></thead>
                <tbody>{rows}</tbody>
                </table></div>
                """))}
            </section>
            """);
    }
}
