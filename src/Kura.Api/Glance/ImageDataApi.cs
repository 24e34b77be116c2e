using System.Globalization;
using Kura.Domain;
using Kura.Domain.Blobs;
using Kura.Domain.Images;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Kura.Api.Glance;

/// <summary>Image data (reference §1.11): streamed upload and download, never buffered whole.</summary>
public static class ImageDataApi
{
    private const int CopyBuffer = 1 << 20;

    /// <summary>
    /// For a request that carries image data (upload, stage): the body must be <c>application/octet-stream</c>
    /// (else 415), and it is bounded by the image size cap rather than the server's limit for JSON requests.
    /// </summary>
    internal static void AcceptImageData(HttpContext ctx)
    {
        if (!MediaTypeHeaderValue.TryParse(ctx.Request.ContentType, out var type) ||
            !type.MediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            throw new KuraException(ErrorKind.UnsupportedMediaType,
                $"The request media type {ctx.Request.ContentType} is not supported by this server.");
        }

        if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }
    }

    public static async Task UploadAsync(HttpContext ctx, string imageId, ImageService images)
    {
        AcceptImageData(ctx);
        try
        {
            await images.UploadAsync(GlanceAuth.CallerOf(ctx), imageId, ctx.Request.Body, ctx.RequestAborted);
        }
        catch (BadHttpRequestException ex)
        {
            // The body ended early or broke its framing; the domain has already rolled the image back.
            throw KuraException.BadRequest($"The image data could not be read: {ex.Message}");
        }

        ImagesApi.NoContent(ctx.Response);
    }

    public static async Task DownloadAsync(HttpContext ctx, string imageId, ImageService images)
    {
        ImagesApi.RejectBody(ctx.Request);
        var caller = GlanceAuth.CallerOf(ctx);
        var image = await images.GetAsync(caller, imageId, ctx.RequestAborted);
        ByteRange? range = null;
        if (ctx.Request.Headers.Range.Count > 0 && image.HasData)
        {
            range = ParseRange(ctx.Request.Headers.Range.ToString(), image.Size ?? 0);
        }

        await using var data = await images.OpenDataAsync(caller, image, range, ctx.RequestAborted);
        var response = ctx.Response;
        if (data is null)
        {
            ImagesApi.NoContent(response);
            return;
        }

        response.ContentType = "application/octet-stream";
        if (image.Checksum is not null)
        {
            response.Headers["Content-MD5"] = image.Checksum;
        }

        if (range is { } r)
        {
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {r.From}-{r.To}/{image.Size}";
            response.ContentLength = r.Length;
        }
        else
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentLength = image.Size;
        }

        await data.CopyToAsync(response.Body, CopyBuffer, ctx.RequestAborted);
    }

    /// <summary>One range of <c>bytes=a-b</c>, <c>bytes=a-</c> or <c>bytes=-n</c>, with Glance's 400 and 416 answers.</summary>
    internal static ByteRange ParseRange(string header, long size)
    {
        if (header.Contains(',', StringComparison.Ordinal))
        {
            throw KuraException.BadRequest("Requests with multiple ranges are not supported in Glance. You may make multiple single-range requests instead.");
        }

        var invalid = KuraException.WithDetail(ErrorKind.RangeNotSatisfiable,
            $"Invalid start position in Range header. Start position MUST be in the inclusive range [0, {size - 1}].");
        if (!header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
        {
            throw invalid;
        }

        var spec = header[6..].Trim();
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            throw invalid;
        }

        static long? Num(string s) =>
            s.Length == 0 ? null : long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;

        var from = Num(spec[..dash]);
        var to = Num(spec[(dash + 1)..]);
        if (from == -1 || to == -1 || (from is null && to is null))
        {
            throw invalid;
        }

        if (from is null)
        {
            // Suffix range: the last n bytes.
            if (to == 0 || size == 0)
            {
                throw invalid;
            }

            return new ByteRange(Math.Max(0, size - to!.Value), size - 1);
        }

        if (from >= size || (to is not null && to < from))
        {
            throw invalid;
        }

        return new ByteRange(from.Value, Math.Min(to ?? size - 1, size - 1));
    }
}
