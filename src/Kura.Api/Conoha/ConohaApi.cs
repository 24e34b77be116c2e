using System.Text.Json;
using Kura.Api.Common;
using Kura.Api.Glance;
using Kura.Domain;
using Kura.Domain.Images;
using Kura.Domain.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kura.Api.Conoha;

/// <summary>
/// ConoHa's image extras (reference §2.2) next to Glance's <c>/v2</c>, behind the same token auth and in Glance's
/// error shape: the caller's project's image-size quota (read and choose) and the bytes its images hold.
/// </summary>
public static class ConohaApi
{
    /// <summary><c>{"quota":{"image_size":"50GB"}}</c>.</summary>
    internal static async Task ShowQuota(HttpContext ctx, ImageService images)
    {
        var caller = GlanceAuth.CallerOf(ctx);
        var quota = await images.StorageQuotaAsync(caller.ProjectId!, ctx.RequestAborted);
        await WriteQuotaAsync(ctx, quota);
    }

    /// <summary><c>{"quota":{"image_size":"550GB"}}</c>: the default plus whole steps, never below what is stored.</summary>
    internal static async Task SetQuota(HttpContext ctx, ImageService images)
    {
        using var body = await Json.ReadAsync(ctx.Request, ctx.RequestAborted)
            ?? throw KuraException.BadRequest("Malformed JSON in request body.");
        var root = body.RootElement;
        var text = root.ValueKind == JsonValueKind.Object &&
                   root.TryGetProperty("quota", out var quota) && quota.ValueKind == JsonValueKind.Object &&
                   quota.TryGetProperty("image_size", out var size) && size.ValueKind == JsonValueKind.String
            ? size.GetString()!
            : throw KuraException.BadRequest("The body must be {\"quota\":{\"image_size\":\"<n>GB\"}}.");
        var bytes = ProjectImageSizeQuota.Parse(text) ?? throw KuraException.BadRequest($"Invalid image_size '{text}': expected a size such as \"550GB\".");
        var caller = GlanceAuth.CallerOf(ctx);
        await images.SetStorageQuotaAsync(caller, bytes, ctx.RequestAborted);
        await WriteQuotaAsync(ctx, await images.StorageQuotaAsync(caller.ProjectId!, ctx.RequestAborted));
    }

    /// <summary><c>{"images":{"size":N}}</c>: bytes of image data the caller's project stores.</summary>
    internal static async Task Total(HttpContext ctx, ImageService images)
    {
        var usage = await images.UsageAsync(GlanceAuth.CallerOf(ctx), ctx.RequestAborted);
        await Json.WriteAsync(ctx, StatusCodes.Status200OK, new { images = new { size = usage.StoredBytes } });
    }

    private static Task WriteQuotaAsync(HttpContext ctx, long? bytes) =>
        Json.WriteAsync(ctx, StatusCodes.Status200OK, new { quota = new { image_size = bytes is null ? null : ProjectImageSizeQuota.Format(bytes.Value) } });
}
