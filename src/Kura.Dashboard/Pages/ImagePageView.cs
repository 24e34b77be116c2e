using Kura.Domain.Images;
using static Kura.Dashboard.Html;

namespace Kura.Dashboard.Pages;

/// <summary>One image: every property, checksums, tags, members (or the caller's answer to a share), and the actions.</summary>
public static class ImagePageView
{
    public static Html Render(DashboardRequest r, Form form, Image image, bool owns, IReadOnlyList<ImageMember> members, ImageMember? mine)
    {
        var t = r.T;
        var path = $"/images/{image.Id}";
        var actions = new List<Html>();
        if (owns)
        {
            actions.Add(H($"""<a class="button" href="{DashboardEndpoints.Prefix}{path}/edit">{t["action.edit"]}</a>"""));
        }

        if (image.HasData && (image.Status != ImageStatus.Deactivated || r.IsAdmin))
        {
            actions.Add(H($"""<a class="button" href="{DashboardEndpoints.Prefix}{path}/download" download>{t["action.download"]}</a>"""));
        }

        if (owns && image.Status == ImageStatus.Active)
        {
            actions.Add(form.Button($"{path}/deactivate", t["action.deactivate"]));
        }

        if (owns && image.Status == ImageStatus.Deactivated)
        {
            actions.Add(form.Button($"{path}/reactivate", t["action.reactivate"]));
        }

        if (owns)
        {
            actions.Add(H($"""<a class="button danger" href="{DashboardEndpoints.Prefix}{path}/delete">{t["action.delete"]}</a>"""));
        }

        var rows = new (string Label, Html Value)[]
        {
            (t["col.id"], H($"<span class=\"mono\">{image.Id}</span>")),
            (t["col.name"], H($"{image.Name ?? t["unnamed"]}")),
            (t["col.status"], H($"<span class=\"badge status-{image.Status}\" id=\"image-status\">{image.Status}</span>")),
            (t["col.visibility"], H($"{t.Word("vis", image.Visibility)}")),
            (t["col.protected"], H($"{(image.Protected ? t["yes"] : t["no"])}")),
            (t["col.disk_format"], H($"{image.DiskFormat ?? "—"}")),
            (t["col.container_format"], H($"{image.ContainerFormat ?? "—"}")),
            (t["col.size"], H($"{Texts.Bytes(image.Size)}{(image.Size is { } size ? $" ({size:N0} B)" : string.Empty)}")),
            (t["col.virtual_size"], H($"{Texts.Bytes(image.VirtualSize)}")),
            (t["col.min_disk"], H($"{image.MinDisk}")),
            (t["col.min_ram"], H($"{image.MinRam}")),
            (t["col.owner"], H($"<span class=\"mono\">{image.Owner ?? "—"}</span>")),
            (t["col.created_at"], H($"{Texts.Time(image.CreatedAt)}")),
            (t["col.updated_at"], H($"{Texts.Time(image.UpdatedAt)}")),
            (t["col.checksum"], H($"<span class=\"mono break\">{image.Checksum ?? "—"}</span>")),
            ($"{t["col.os_hash"]} ({image.OsHashAlgo ?? "—"})", H($"<span class=\"mono break\">{image.OsHashValue ?? "—"}</span>")),
            (t["col.tags"], image.Tags.Count == 0 ? H($"{t["none"]}") : H($"<ul class=\"tags\">{image.Tags.Select(tag => H($"<li>{tag}</li>"))}</ul>")),
        };
        var properties = image.Properties.Count == 0
            ? H($"<p>{t["none"]}</p>")
            : H($"""<dl class="props" id="properties">{image.Properties.Select(p => H($"<dt>{p.Key}</dt><dd>{p.Value}</dd>"))}</dl>""");

        return H($"""
            <p><a href="{DashboardEndpoints.Prefix}/images">← {t["action.back"]}</a></p>
            <h1>{image.Name ?? t["unnamed"]}</h1>
            <div class="actions" role="group" aria-label="{t["detail.actions"]}">{actions}</div>
            {When(owns && image.Status == ImageStatus.Queued, UploadSection(r, form, image.Id))}
            <section class="card"><h2 class="visually-hidden">{t["col.properties"]}</h2>
            <dl class="props" id="image-fields">{rows.Select(row => H($"<dt>{row.Label}</dt><dd>{row.Value}</dd>"))}</dl>
            </section>
            <section class="card"><h2>{t["col.properties"]}</h2>{properties}</section>
            {Members(r, form, image, owns, members, mine)}
            """);
    }

    private static Html Members(DashboardRequest r, Form form, Image image, bool owns, IReadOnlyList<ImageMember> members, ImageMember? mine)
    {
        var t = r.T;
        if (mine is not null)
        {
            return H($"""
                <section class="card" aria-labelledby="members-title"><h2 id="members-title">{t["detail.members"]}</h2>
                <p>{t.Format("detail.yourshare", t.Word("member", mine.Status))}</p>
                {ShareButtons(r, form, image.Id, mine.Status)}
                </section>
                """);
        }

        if (!owns)
        {
            return Html.Empty;
        }

        if (image.Visibility != ImageVisibility.Shared)
        {
            return H($"""<section class="card"><h2>{t["detail.members"]}</h2><p>{t["detail.members.notshared"]}</p></section>""");
        }

        var rows = members.Select(m => H($"""
            <tr><td class="mono">{m.MemberId}</td><td><span class="badge member-{m.Status}">{t.Word("member", m.Status)}</span></td>
            <td>{form.Button($"/images/{image.Id}/members/{Uri.EscapeDataString(m.MemberId)}/delete", t["action.unshare"])}</td></tr>
            """));
        return H($"""
            <section class="card" aria-labelledby="members-title"><h2 id="members-title">{t["detail.members"]}</h2>
            {(members.Count == 0 ? H($"<p>{t["detail.members.none"]}</p>") : H($"""
                <div class="table-wrap"><table id="members"><thead><tr><th scope="col">{t["col.member"]}</th><th scope="col">{t["col.member_status"]}</th><th scope="col">{t["col.actions"]}</th></tr></thead>
                <tbody>{rows}</tbody></table></div>
                """))}
            {form.Post($"/images/{image.Id}/members", H($"""
                <div class="field"><label for="member">{t["share.project"]}</label><input id="member" name="member" required maxlength="255" class="mono"></div>
                <button type="submit">{t["action.share"]}</button>
                """), "inline-form")}
            </section>
            """);
    }

    /// <summary>Accept or reject a share, offering only the answer not yet given.</summary>
    public static Html ShareButtons(DashboardRequest r, Form form, string imageId, string status)
    {
        var t = r.T;
        Html Answer(string value, string label) => form.Post($"/images/{imageId}/membership",
            H($"""<input type="hidden" name="status" value="{value}"><button type="submit">{label}</button>"""), "inline");
        return H($"""{When(status != MemberStatus.Accepted, Answer(MemberStatus.Accepted, t["action.accept"]))}{When(status != MemberStatus.Rejected, Answer(MemberStatus.Rejected, t["action.reject"]))}""");
    }

    /// <summary>
    /// The file picker and progress bar of an upload; <c>upload.js</c> sends the file with XMLHttpRequest straight from
    /// disk (the browser streams it) to <paramref name="uploadPath"/>, or, with none, creates the image first from the
    /// form it sits in.
    /// </summary>
    public static Html UploadControls(DashboardRequest r, bool required) => H($"""
        <div class="field"><label for="file">{r.T["create.file"]}</label><input type="file" id="file" name="file"{(required ? new Html(" required") : Html.Empty)} aria-describedby="file-help">
        <p class="help" id="file-help">{r.T["create.file.help"]}</p></div>
        <div class="progress" data-role="progress" hidden>
        <label for="upload-bar" id="upload-label">{r.T["upload.progress"]}</label>
        <progress id="upload-bar" max="100" value="0"></progress>
        <p id="upload-status" data-role="status" role="status" aria-live="polite"></p>
        </div>
        <p class="flash error" id="upload-error" data-role="error" role="alert" hidden></p>
        <noscript><p>{r.T["upload.js"]}</p></noscript>
        """);

    /// <summary>The localized messages the upload script shows, as data attributes (no inline script under the CSP).</summary>
    public static Html UploadMessages(Texts t) => H($"""
        data-uploader data-msg-refused="{t["upload.refused"]}" data-msg-failed="{t["upload.failed"]}" data-msg-network="{t["upload.network"]}" data-msg-done="{t["upload.done"]}" data-msg-creating="{t["upload.creating"]}" data-msg-status="{t["upload.status"]}" data-msg-verifying="{t["upload.verifying"]}" data-msg-open="{t["detail.title"]}"
        """);

    private static Html UploadSection(DashboardRequest r, Form form, string imageId) => H($"""
        <section class="card" aria-labelledby="upload-title"><h2 id="upload-title">{r.T["upload.title"]}</h2>
        <form id="upload-form" method="post" action="{DashboardEndpoints.Prefix}/images/{imageId}" data-upload="{DashboardEndpoints.Prefix}/images/{imageId}/file" data-detail="{DashboardEndpoints.Prefix}/images/{imageId}" {UploadMessages(r.T)}>
        <input type="hidden" name="{DashboardRequest.AntiforgeryField}" value="{form.Token}">
        {UploadControls(r, required: true)}
        <button type="submit" class="primary">{r.T["upload.submit"]}</button>
        </form>
        <script src="{DashboardEndpoints.Prefix}/assets/upload.js" defer></script>
        </section>
        """);

    public static Html RenderDelete(DashboardRequest r, Form form, Image image)
    {
        var t = r.T;
        return H($"""
            <h1>{t.Format("delete.title", image.Name ?? image.Id)}</h1>
            <p class="flash error" role="alert">{t["delete.warning"]}</p>
            <dl class="props"><dt>{t["col.id"]}</dt><dd class="mono">{image.Id}</dd><dt>{t["col.size"]}</dt><dd>{Texts.Bytes(image.Size)}</dd></dl>
            <div class="actions">
            {form.Post($"/images/{image.Id}/delete", H($"""<button type="submit" class="danger">{t["delete.confirm"]}</button>"""), "inline")}
            <a class="button" href="{DashboardEndpoints.Prefix}/images/{image.Id}">{t["action.cancel"]}</a>
            </div>
            """);
    }
}
