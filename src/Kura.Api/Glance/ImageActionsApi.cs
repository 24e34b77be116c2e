using Kura.Api.Common;
using Kura.Domain;
using Kura.Domain.Images;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kura.Api.Glance;

/// <summary>PATCH, tags and deactivate/reactivate (reference §1.9, §1.14, §1.15).</summary>
public static class ImageActionsApi
{
    internal static async Task Update(HttpContext ctx, string imageId, ImageService images)
    {
        var mediaType = ImagePatchBody.MediaType(ctx.Request.ContentType);
        if (mediaType is null)
        {
            ctx.Response.Headers["Accept-Patch"] = ImagePatchBody.AcceptPatch;
            await GlanceErrors.WriteAsync(ctx, StatusCodes.Status415UnsupportedMediaType,
                $"The request media type {ctx.Request.ContentType} is not supported by this server.");
            return;
        }

        using var body = await Json.ReadAsync(ctx.Request, ctx.RequestAborted)
            ?? throw KuraException.BadRequest("Malformed JSON in request body.");
        var ops = ImagePatchBody.Parse(body.RootElement, mediaType);
        var image = await images.UpdateAsync(GlanceAuth.CallerOf(ctx), imageId, ops, ctx.RequestAborted);
        await Json.WriteAsync(ctx, StatusCodes.Status200OK, w => ImageJson.Write(w, image));
    }

    internal static async Task AddTag(HttpContext ctx, string imageId, string tag, ImageService images)
    {
        ImagesApi.RejectBody(ctx.Request);
        await images.AddTagAsync(GlanceAuth.CallerOf(ctx), imageId, tag, ctx.RequestAborted);
        ImagesApi.NoContent(ctx.Response);
    }

    internal static async Task RemoveTag(HttpContext ctx, string imageId, string tag, ImageService images)
    {
        ImagesApi.RejectBody(ctx.Request);
        await images.RemoveTagAsync(GlanceAuth.CallerOf(ctx), imageId, tag, ctx.RequestAborted);
        ImagesApi.NoContent(ctx.Response);
    }

    internal static async Task Deactivate(HttpContext ctx, string imageId, ImageService images)
    {
        ImagesApi.RejectBody(ctx.Request);
        await images.DeactivateAsync(GlanceAuth.CallerOf(ctx), imageId, ctx.RequestAborted);
        ImagesApi.NoContent(ctx.Response);
    }

    internal static async Task Reactivate(HttpContext ctx, string imageId, ImageService images)
    {
        ImagesApi.RejectBody(ctx.Request);
        await images.ReactivateAsync(GlanceAuth.CallerOf(ctx), imageId, ctx.RequestAborted);
        ImagesApi.NoContent(ctx.Response);
    }
}
