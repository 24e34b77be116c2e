using Kura.Domain.Images;
using static Kura.Dashboard.Html;

namespace Kura.Dashboard.Pages;

/// <summary>The create form (with the file and its progress bar) and the edit form, sharing their fields.</summary>
public static class ImageFormPage
{
    public static Html RenderCreate(DashboardRequest r, Form form)
    {
        var t = r.T;
        return H($"""
            <h1>{t["create.title"]}</h1>
            <form id="create-form" method="post" action="{DashboardEndpoints.Prefix}/images" class="card" {ImagePageView.UploadMessages(t)}>
            <input type="hidden" name="{DashboardRequest.AntiforgeryField}" value="{form.Token}">
            {Fields(r, name: null, diskFormat: "qcow2", containerFormat: "bare", formats: true, visibility: ImageVisibility.Shared, isProtected: false, minDisk: 0, minRam: 0, tags: [], properties: [])}
            {ImagePageView.UploadControls(r, required: false)}
            <button type="submit" class="primary">{t["create.submit"]}</button>
            </form>
            <script src="{DashboardEndpoints.Prefix}/assets/upload.js" defer></script>
            """);
    }

    public static Html RenderEdit(DashboardRequest r, Form form, Image image)
    {
        var t = r.T;
        var formats = image.Status is ImageStatus.Queued;
        return H($"""
            <p><a href="{DashboardEndpoints.Prefix}/images/{image.Id}">← {image.Name ?? image.Id}</a></p>
            <h1>{t.Format("edit.title", image.Name ?? image.Id)}</h1>
            {form.Post($"/images/{image.Id}/edit", H($"""
                {Fields(r, image.Name, image.DiskFormat, image.ContainerFormat, formats, image.Visibility, image.Protected, image.MinDisk, image.MinRam, image.Tags, image.Properties)}
                <div class="buttons"><button type="submit" class="primary">{t["action.save"]}</button> <a class="button" href="{DashboardEndpoints.Prefix}/images/{image.Id}">{t["action.cancel"]}</a></div>
                """), "card", "edit-form")}
            """);
    }

    private static Html Fields(DashboardRequest r, string? name, string? diskFormat, string? containerFormat, bool formats, string visibility,
        bool isProtected, long minDisk, long minRam, IReadOnlyList<string> tags, IReadOnlyList<KeyValuePair<string, string>> properties)
    {
        var t = r.T;
        // Only an admin may make an image public; the domain refuses it for anybody else anyway.
        var visibilities = ImageVisibility.All.Where(v => r.IsAdmin || v != ImageVisibility.Public || v == visibility);
        return H($"""
            <div class="grid">
            <div class="field"><label for="name">{t["col.name"]}</label><input id="name" name="name" maxlength="255" value="{name}"></div>
            {(formats ? H($"""
                <div class="field"><label for="disk_format">{t["col.disk_format"]}</label><select id="disk_format" name="disk_format">{Options(ImageSchema.DiskFormats, diskFormat, v => v)}</select></div>
                <div class="field"><label for="container_format">{t["col.container_format"]}</label><select id="container_format" name="container_format">{Options(ImageSchema.ContainerFormats, containerFormat, v => v)}</select></div>
                """) : Html.Empty)}
            <div class="field"><label for="visibility">{t["col.visibility"]}</label><select id="visibility" name="visibility">{Options(visibilities, visibility, v => t.Word("vis", v))}</select></div>
            <div class="field"><label for="min_disk">{t["col.min_disk"]}</label><input id="min_disk" name="min_disk" type="number" min="0" inputmode="numeric" value="{minDisk}"></div>
            <div class="field"><label for="min_ram">{t["col.min_ram"]}</label><input id="min_ram" name="min_ram" type="number" min="0" inputmode="numeric" value="{minRam}"></div>
            <div class="field check"><input id="protected" name="protected" type="checkbox"{Layout.Checked(isProtected)}><label for="protected">{t["col.protected"]}</label></div>
            </div>
            <div class="field"><label for="tags">{t["col.tags"]}</label><input id="tags" name="tags" value="{string.Join(", ", tags)}" aria-describedby="tags-help"><p class="help" id="tags-help">{t["edit.tags.help"]}</p></div>
            <div class="field"><label for="properties">{t["col.properties"]}</label><textarea id="properties" name="properties" rows="5" aria-describedby="properties-help" class="mono">{string.Join("\n", properties.Select(p => $"{p.Key}={p.Value}"))}</textarea><p class="help" id="properties-help">{t["edit.properties.help"]}</p></div>
            """);
    }

    private static Html Options(IEnumerable<string> values, string? current, Func<string, string> label) =>
        Join(values.Select(v => H($"""<option value="{v}"{Layout.Selected(v == current)}>{label(v)}</option>""")));
}
