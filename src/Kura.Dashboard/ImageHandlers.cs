using Kura.Dashboard.Pages;
using Kura.Domain;
using Kura.Domain.Images;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using static Kura.Dashboard.AccountHandlers;

namespace Kura.Dashboard;

/// <summary>
/// The image pages and actions. Each handler reads its input, makes one <see cref="ImageService"/> call as the
/// session's <see cref="Caller"/>, and renders or redirects; the domain decides what is allowed.
/// </summary>
public static class ImageHandlers
{
    private const int CopyBuffer = 1 << 20;

    public static async Task<IResult> List(HttpContext ctx, ImageService images, Layout layout, DashboardOptions options)
    {
        var r = DashboardRequest.Of(ctx);
        var filter = ImageFilterForm.Read(ctx.Request.Query, r.IsAdmin);
        ImagePage? page = null;
        string? error = null;
        try
        {
            page = await images.ListAsync(r.Caller, filter.ToQuery(options.PageSize), ctx.RequestAborted);
        }
        catch (KuraException ex) when (ex.Kind == ErrorKind.BadRequest)
        {
            error = ex.Message;
        }

        var storage = await images.StorageOfAsync(r.Caller, ctx.RequestAborted);
        var shared = await SharedWithMeAsync(r, images);
        return await layout.RenderAsync(r, r.T["images.title"], form => ImageListPage.Render(r, form, filter, page, error, storage, shared));
    }

    /// <summary>Images other projects shared with the caller's project, with the caller's answer to each share.</summary>
    private static async Task<IReadOnlyList<(Image Image, ImageMember Member)>> SharedWithMeAsync(DashboardRequest r, ImageService images)
    {
        var query = new ImageListQuery { Limit = 50, Visibility = ImageVisibility.Shared, MemberStatus = "all" };
        var result = new List<(Image, ImageMember)>();
        foreach (var image in (await images.ListAsync(r.Caller, query, r.Aborted)).Images.Where(i => i.Owner != r.ProjectId))
        {
            try
            {
                result.Add((image, await images.GetMemberAsync(r.Caller, image.Id, r.ProjectId, r.Aborted)));
            }
            catch (KuraException ex) when (ex.Kind == ErrorKind.NotFound)
            {
                // An admin sees every shared image, including those not shared with the admin's project.
            }
        }

        return result;
    }

    public static async Task<IResult> Show(HttpContext ctx, string id, ImageService images, Layout layout)
    {
        var r = DashboardRequest.Of(ctx);
        var image = await images.GetAsync(r.Caller, id, ctx.RequestAborted);
        IReadOnlyList<ImageMember> members = [];
        ImageMember? mine = null;
        var owns = r.IsAdmin || image.Owner == r.ProjectId;
        if (image.Visibility == ImageVisibility.Shared)
        {
            if (owns)
            {
                members = await images.ListMembersAsync(r.Caller, id, ctx.RequestAborted);
            }
            else
            {
                mine = await images.GetMemberAsync(r.Caller, id, r.ProjectId, ctx.RequestAborted);
            }
        }

        return await layout.RenderAsync(r, r.T.Format("detail.title", image.Name ?? image.Id), form => ImagePageView.Render(r, form, image, owns, members, mine));
    }

    public static Task<IResult> NewPage(HttpContext ctx, Layout layout) =>
        layout.RenderAsync(DashboardRequest.Of(ctx), DashboardRequest.Of(ctx).T["create.title"], form => ImageFormPage.RenderCreate(DashboardRequest.Of(ctx), form));

    /// <summary>Creates a queued image; the upload script then sends the file to <see cref="Upload"/>.</summary>
    public static async Task<IResult> Create(HttpContext ctx, ImageService images)
    {
        var r = DashboardRequest.Of(ctx);
        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        var image = await images.CreateAsync(r.Caller, ImageForm.Read(form, withFormats: true).CreateFields(), ctx.RequestAborted);
        var detail = $"{DashboardEndpoints.Prefix}/images/{image.Id}";
        if (DashboardEndpoints.WantsJson(ctx.Request))
        {
            return Results.Json(new { id = image.Id, upload = detail + "/file", detail }, statusCode: StatusCodes.Status201Created);
        }

        r.Session!.Flash = (r.T["done.created"], false);
        return SeeOther(detail);
    }

    public static Task<IResult> EditPage(HttpContext ctx, string id, ImageService images, Layout layout) =>
        RenderImageAsync(ctx, id, images, layout, "edit.title", ImageFormPage.RenderEdit);

    public static async Task<IResult> Edit(HttpContext ctx, string id, ImageService images)
    {
        var r = DashboardRequest.Of(ctx);
        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        return await ActAsync(r, id, "/edit", r.T["done.saved"], async () =>
        {
            var image = await images.GetAsync(r.Caller, id, ctx.RequestAborted);
            var input = ImageForm.Read(form, withFormats: form.ContainsKey("disk_format"));
            await images.UpdateAsync(r.Caller, id, input.PatchFor(image), ctx.RequestAborted);
        });
    }

    /// <summary>
    /// The upload script's <c>PUT</c>: the request body goes straight to <see cref="ImageService.UploadAsync"/>, as
    /// <c>PUT /v2/images/{id}/file</c> does, so the same size cap, quota and format inspection apply.
    /// </summary>
    public static async Task<IResult> Upload(HttpContext ctx, string id, ImageService images)
    {
        var r = DashboardRequest.Of(ctx);
        if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        try
        {
            await images.UploadAsync(r.Caller, id, ctx.Request.Body, ctx.RequestAborted);
        }
        catch (BadHttpRequestException ex)
        {
            throw KuraException.BadRequest($"The image data could not be read: {ex.Message}");
        }

        return Results.NoContent();
    }

    public static async Task<IResult> Download(HttpContext ctx, string id, ImageService images)
    {
        var r = DashboardRequest.Of(ctx);
        var image = await images.GetAsync(r.Caller, id, ctx.RequestAborted);
        await using var data = await images.OpenDataAsync(r.Caller, image, null, ctx.RequestAborted);
        if (data is null)
        {
            r.Session!.Flash = (r.T.Format("failed", "the image has no data"), true);
            return SeeOther($"{DashboardEndpoints.Prefix}/images/{id}");
        }

        var response = ctx.Response;
        response.ContentType = "application/octet-stream";
        response.ContentLength = image.Size;
        response.Headers.ContentDisposition = new System.Net.Mime.ContentDisposition { FileName = FileName(image), DispositionType = "attachment" }.ToString();
        await data.CopyToAsync(response.Body, CopyBuffer, ctx.RequestAborted);
        return Results.Empty;
    }

    public static Task<IResult> Deactivate(HttpContext ctx, string id, ImageService images)
    {
        var r = DashboardRequest.Of(ctx);
        return ActAsync(r, id, string.Empty, r.T["done.deactivated"], () => images.DeactivateAsync(r.Caller, id, ctx.RequestAborted));
    }

    public static Task<IResult> Reactivate(HttpContext ctx, string id, ImageService images)
    {
        var r = DashboardRequest.Of(ctx);
        return ActAsync(r, id, string.Empty, r.T["done.reactivated"], () => images.ReactivateAsync(r.Caller, id, ctx.RequestAborted));
    }

    /// <summary>The confirmation page; only its form's POST deletes.</summary>
    public static Task<IResult> DeletePage(HttpContext ctx, string id, ImageService images, Layout layout) =>
        RenderImageAsync(ctx, id, images, layout, "delete.title", ImagePageView.RenderDelete);

    private static async Task<IResult> RenderImageAsync(HttpContext ctx, string id, ImageService images, Layout layout, string titleKey, Func<DashboardRequest, Form, Image, Html> render)
    {
        var r = DashboardRequest.Of(ctx);
        var image = await images.GetAsync(r.Caller, id, ctx.RequestAborted);
        return await layout.RenderAsync(r, r.T.Format(titleKey, image.Name ?? image.Id), form => render(r, form, image));
    }

    public static async Task<IResult> Delete(HttpContext ctx, string id, ImageService images)
    {
        var r = DashboardRequest.Of(ctx);
        var image = await images.GetAsync(r.Caller, id, ctx.RequestAborted);
        try
        {
            await images.DeleteAsync(r.Caller, id, ctx.RequestAborted);
        }
        catch (KuraException ex) when (ex.Kind != ErrorKind.ServiceUnavailable)
        {
            r.Session!.Flash = (r.T.Format("failed", ex.Message), true);
            return SeeOther($"{DashboardEndpoints.Prefix}/images/{id}");
        }

        r.Session!.Flash = (r.T.Format("done.deleted", image.Name ?? image.Id), false);
        return SeeOther($"{DashboardEndpoints.Prefix}/images");
    }

    public static async Task<IResult> AddMember(HttpContext ctx, string id, ImageService images)
    {
        var r = DashboardRequest.Of(ctx);
        var member = (await ctx.Request.ReadFormAsync(ctx.RequestAborted))["member"].ToString().Trim();
        return await ActAsync(r, id, string.Empty, r.T.Format("done.shared", member), () => member.Length is > 0 and <= 255
            ? images.AddMemberAsync(r.Caller, id, member, ctx.RequestAborted)
            : throw KuraException.BadRequest("Give the ID of the project to share with."));
    }

    public static Task<IResult> RemoveMember(HttpContext ctx, string id, string member, ImageService images)
    {
        var r = DashboardRequest.Of(ctx);
        return ActAsync(r, id, string.Empty, r.T.Format("done.unshared", member), () => images.RemoveMemberAsync(r.Caller, id, member, ctx.RequestAborted));
    }

    /// <summary>The caller's project accepts or rejects an image shared with it.</summary>
    public static async Task<IResult> AnswerShare(HttpContext ctx, string id, ImageService images)
    {
        var r = DashboardRequest.Of(ctx);
        var status = (await ctx.Request.ReadFormAsync(ctx.RequestAborted))["status"].ToString();
        return await ActAsync(r, id, string.Empty, r.T[$"done.{(MemberStatus.All.Contains(status) ? status : MemberStatus.Pending)}"],
            () => images.UpdateMemberAsync(r.Caller, id, r.ProjectId, status, ctx.RequestAborted));
    }

    /// <summary>
    /// Runs one domain call for a form post, then goes back to the image page with a message: the success text, or
    /// why Kura refused (back to <paramref name="failurePage"/>, relative to the image page).
    /// </summary>
    private static async Task<IResult> ActAsync(DashboardRequest r, string id, string failurePage, string done, Func<Task> action)
    {
        var page = $"{DashboardEndpoints.Prefix}/images/{Uri.EscapeDataString(id)}";
        try
        {
            await action();
        }
        catch (KuraException ex) when (ex.Kind is not (ErrorKind.NotFound or ErrorKind.ServiceUnavailable))
        {
            r.Session!.Flash = (r.T.Format("failed", ex.Message), true);
            return SeeOther(page + failurePage);
        }

        r.Session!.Flash = (done, false);
        return SeeOther(page);
    }

    private static string FileName(Image image)
    {
        var name = new string((image.Name ?? image.Id).Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray());
        return name.Length == 0 ? image.Id : name;
    }
}
