using System.Text.Json;
using Kura.Api.Common;
using Kura.Domain;
using Kura.Domain.Images;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kura.Api.Glance;

/// <summary>Image members (reference §1.13). Note that creating a member answers 200, not 201.</summary>
public static class MembersApi
{
    private static void Write(Utf8JsonWriter w, ImageMember m)
    {
        w.WriteStartObject();
        w.WriteString("created_at", ImageJson.Timestamp(m.CreatedAt));
        w.WriteString("image_id", m.ImageId);
        w.WriteString("member_id", m.MemberId);
        w.WriteString("schema", "/v2/schemas/member");
        w.WriteString("status", m.Status);
        w.WriteString("updated_at", ImageJson.Timestamp(m.UpdatedAt));
        w.WriteEndObject();
    }

    private static async Task<string> ReadStringMemberAsync(HttpContext ctx, string name, string missing, string empty)
    {
        using var body = await Json.ReadAsync(ctx.Request, ctx.RequestAborted) ?? throw KuraException.BadRequest("Malformed JSON in request body.");
        if (body.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw KuraException.BadRequest("Unexpected body type. Expected list/dict.");
        }

        if (!body.RootElement.TryGetProperty(name, out var value))
        {
            throw KuraException.BadRequest(missing);
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : throw KuraException.BadRequest($"Invalid {name}: it must be a string.");
        return text.Length == 0 ? throw KuraException.BadRequest(empty) : text.Length > 255 ? throw KuraException.BadRequest($"{name} is too long.") : text;
    }

    internal static async Task List(HttpContext ctx, string imageId, ImageService images)
    {
        ImagesApi.RejectBody(ctx.Request);
        var members = await images.ListMembersAsync(GlanceAuth.CallerOf(ctx), imageId, ctx.RequestAborted);
        await Json.WriteAsync(ctx, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("members");
            foreach (var m in members)
            {
                Write(w, m);
            }

            w.WriteEndArray();
            w.WriteString("schema", "/v2/schemas/members");
            w.WriteEndObject();
        });
    }

    internal static async Task Add(HttpContext ctx, string imageId, ImageService images)
    {
        var memberId = await ReadStringMemberAsync(ctx, "member", "Member to be added not specified", "Member can't be empty");
        var member = await images.AddMemberAsync(GlanceAuth.CallerOf(ctx), imageId, memberId, ctx.RequestAborted);
        await Json.WriteAsync(ctx, StatusCodes.Status200OK, w => Write(w, member));
    }

    internal static async Task Show(HttpContext ctx, string imageId, string memberId, ImageService images)
    {
        ImagesApi.RejectBody(ctx.Request);
        var member = await images.GetMemberAsync(GlanceAuth.CallerOf(ctx), imageId, memberId, ctx.RequestAborted);
        await Json.WriteAsync(ctx, StatusCodes.Status200OK, w => Write(w, member));
    }

    internal static async Task Update(HttpContext ctx, string imageId, string memberId, ImageService images)
    {
        var status = await ReadStringMemberAsync(ctx, "status", "Status not specified", "Status not specified");
        var member = await images.UpdateMemberAsync(GlanceAuth.CallerOf(ctx), imageId, memberId, status, ctx.RequestAborted);
        await Json.WriteAsync(ctx, StatusCodes.Status200OK, w => Write(w, member));
    }

    internal static async Task Remove(HttpContext ctx, string imageId, string memberId, ImageService images)
    {
        ImagesApi.RejectBody(ctx.Request);
        await images.RemoveMemberAsync(GlanceAuth.CallerOf(ctx), imageId, memberId, ctx.RequestAborted);
        ImagesApi.NoContent(ctx.Response);
    }
}
