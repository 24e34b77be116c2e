using System.Globalization;
using System.Text.Json;
using Kura.Api.Common;
using Kura.Domain;
using Kura.Domain.Images;
using Kura.Domain.Imports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kura.Api.Glance;

/// <summary>Interoperable import and discovery (reference §1.12): stage, import (202), an image's tasks, and /v2/info.</summary>
public static class ImportApi
{
    /// <summary><c>GET /v2/info/import</c>: the enabled import methods.</summary>
    internal static Task ImportInfo(HttpContext ctx, ImportService imports) => Json.WriteAsync(ctx, 200, new Dictionary<string, object>
    {
        ["import-methods"] = new { description = "Import methods available.", type = "array", value = imports.Methods },
    });

    /// <summary><c>GET /v2/info/stores</c> and <c>…/detail</c>: one store, so multi-store discovery is 404 as in Glance.</summary>
    internal static Task StoresInfo(HttpContext ctx) =>
        GlanceErrors.WriteAsync(ctx, StatusCodes.Status404NotFound, "Multi backend is not supported at this site.");

    internal static async Task Stage(HttpContext ctx, string imageId, ImportService imports)
    {
        ImageDataApi.AcceptImageData(ctx);
        await imports.StageAsync(GlanceAuth.CallerOf(ctx), imageId, ctx.Request.Body, ctx.RequestAborted);
        ImagesApi.NoContent(ctx.Response);
    }

    internal static async Task Import(HttpContext ctx, string imageId, ImportService imports)
    {
        using var body = await Json.ReadAsync(ctx.Request, ctx.RequestAborted) ?? throw KuraException.BadRequest("Malformed JSON in request body.");
        var root = body.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.Object)
        {
            throw KuraException.BadRequest("Import request requires a 'method' field.");
        }

        if (!method.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
        {
            throw KuraException.BadRequest("Import request requires a 'name' field.");
        }

        foreach (var flag in new[] { "all_stores", "all_stores_must_succeed" })
        {
            if (root.TryGetProperty(flag, out var value) && value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                throw KuraException.BadRequest($"'{flag}' must be a boolean.");
            }
        }

        if (root.TryGetProperty("all_stores_must_succeed", out var must) && must.ValueKind == JsonValueKind.False)
        {
            throw KuraException.BadRequest("All stores must succeed when there is a single store.");
        }

        var uri = method.TryGetProperty("uri", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        var request = new ImportRequest(name.GetString()!, uri, root.GetRawText());
        var requestId = ctx.Items[RequestIdMiddleware.Header] as string ?? string.Empty;
        await imports.ImportAsync(GlanceAuth.CallerOf(ctx), imageId, request, requestId, ctx.RequestAborted);
        ctx.Response.StatusCode = StatusCodes.Status202Accepted;
        ctx.Response.ContentLength = 0;
    }

    internal static async Task Tasks(HttpContext ctx, string imageId, ImportService imports)
    {
        var tasks = await imports.ListTasksAsync(GlanceAuth.CallerOf(ctx), imageId, ctx.RequestAborted);
        static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        await Json.WriteAsync(ctx, 200, new
        {
            tasks = tasks.Select(t => new
            {
                id = t.Id,
                type = ImageTask.Type,
                status = t.Status,
                owner = t.Owner,
                expires_at = t.ExpiresAt is { } e ? Time(e) : null,
                created_at = Time(t.CreatedAt),
                updated_at = Time(t.UpdatedAt),
                deleted_at = (string?)null,
                deleted = false,
                image_id = t.ImageId,
                request_id = t.RequestId,
                user_id = t.UserId,
                input = JsonDocument.Parse(t.InputJson).RootElement,
                result = t.ResultJson is null ? (JsonElement?)null : JsonDocument.Parse(t.ResultJson).RootElement,
                message = t.Message,
            }),
        });
    }

    /// <summary>The caller's project: images, stored and staged bytes (MiB, as Glance reports) against the configured limits (-1: none).</summary>
    internal static async Task Usage(HttpContext ctx, ImageService images)
    {
        var usage = await images.UsageAsync(GlanceAuth.CallerOf(ctx), ctx.RequestAborted);
        static long MiB(long bytes) => (bytes + (1 << 20) - 1) >> 20;
        await Json.WriteAsync(ctx, 200, new
        {
            usage = new
            {
                image_size_total = new { limit = usage.StorageQuota is { } quota ? MiB(quota) : -1, usage = MiB(usage.StoredBytes) },
                image_stage_total = new { limit = -1, usage = MiB(usage.StagedBytes) },
                image_count_total = new { limit = usage.ImageCountQuota ?? -1, usage = usage.Images },
                image_count_uploading = new { limit = -1, usage = usage.Uploading },
            },
        });
    }
}
