using System.Text;
using Kura.Api.Common;
using Kura.Domain;
using Kura.Domain.Images;
using Kura.Domain.Imports;
using Kura.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kura.Api.Glance;

/// <summary>
/// Glance Images API v2, image records (reference §1.4): one handler per route, each parsing the request, calling
/// one <see cref="ImageService"/> method and writing Glance's JSON. Errors are thrown and mapped by <see cref="GlanceErrors"/>.
/// </summary>
public static class ImagesApi
{
    internal static async Task List(HttpContext ctx, ImageService images, ListPageCache cache)
    {
        var caller = GlanceAuth.CallerOf(ctx);
        var key = ListPageCache.Key(caller.ProjectId, caller.IsAdmin, ctx.Request.QueryString.Value);
        if (cache.TryGet(key, out var cached))
        {
            await Json.WriteAsync(ctx, StatusCodes.Status200OK, cached);
            return;
        }

        var storable = cache.MayStore(out var version);
        var parameters = GlanceListQuery.Pairs(ctx.Request.QueryString.Value);
        var query = GlanceListQuery.Parse(parameters, images.Options.DefaultListLimit);
        var page = await images.ListAsync(caller, query, ctx.RequestAborted);

        var withoutMarker = parameters.Where(p => p.Key != "marker").ToList();
        string? next = null;
        if (page.Full && page.Images.Count > 0)
        {
            var nextParams = new List<KeyValuePair<string, string>>(parameters);
            var markerAt = nextParams.FindIndex(p => p.Key == "marker");
            var marker = new KeyValuePair<string, string>("marker", page.Images[^1].Id);
            if (markerAt >= 0)
            {
                nextParams[markerAt] = marker;
            }
            else
            {
                nextParams.Add(marker);
            }

            next = "/v2/images?" + GlanceListQuery.Encode(nextParams);
        }

        void Write(System.Text.Json.Utf8JsonWriter w)
        {
            w.WriteStartObject();
            w.WriteStartArray("images");
            foreach (var image in page.Images)
            {
                ImageJson.Write(w, image);
            }

            w.WriteEndArray();
            w.WriteString("first", withoutMarker.Count == 0 ? "/v2/images" : "/v2/images?" + GlanceListQuery.Encode(withoutMarker));
            w.WriteString("schema", "/v2/schemas/images");
            if (next is not null)
            {
                w.WriteString("next", next);
            }

            w.WriteEndObject();
        }

        if (storable)
        {
            var body = Json.Render(Write);
            cache.Store(key, version, body);
            await Json.WriteAsync(ctx, StatusCodes.Status200OK, body);
            return;
        }

        await Json.WriteAsync(ctx, StatusCodes.Status200OK, Write);
    }

    internal static async Task Create(HttpContext ctx, ImageService images, IdentityOptions identity, ImportService imports)
    {
        using var body = await Json.ReadAsync(ctx.Request, ctx.RequestAborted)
            ?? throw KuraException.BadRequest("Malformed JSON in request body.");
        var fields = ImageBody.ParseCreate(body.RootElement);
        var image = await images.CreateAsync(GlanceAuth.CallerOf(ctx), fields, ctx.RequestAborted);
        ctx.Response.Headers.Location = BaseUrl.Of(ctx, identity.PublicUrl) + "/v2/images/" + image.Id;
        if (imports.Methods.Count > 0)
        {
            // openstacksdk reads this to decide whether `image create --import` can work.
            ctx.Response.Headers["OpenStack-image-import-methods"] = string.Join(',', imports.Methods);
        }

        await Json.WriteAsync(ctx, StatusCodes.Status201Created, w => ImageJson.Write(w, image));
    }

    internal static async Task Show(HttpContext ctx, string imageId, ImageService images)
    {
        RejectBody(ctx.Request);
        var image = await images.GetAsync(GlanceAuth.CallerOf(ctx), imageId, ctx.RequestAborted);
        await Json.WriteAsync(ctx, StatusCodes.Status200OK, w => ImageJson.Write(w, image));
    }

    internal static async Task Delete(HttpContext ctx, string imageId, ImageService images)
    {
        RejectBody(ctx.Request);
        await images.DeleteAsync(GlanceAuth.CallerOf(ctx), imageId, ctx.RequestAborted);
        NoContent(ctx.Response);
    }

    /// <summary>Glance's 204: empty body, <c>Content-Length: 0</c>.</summary>
    internal static void NoContent(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status204NoContent;
        response.ContentLength = 0;
    }

    /// <summary>Routes Glance marks <c>body_reject</c> answer 400 to any request body.</summary>
    internal static void RejectBody(HttpRequest request)
    {
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            throw KuraException.BadRequest("A body is not expected with this request.");
        }
    }
}
