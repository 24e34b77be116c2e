using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace Kura.Api.Common;

/// <summary>
/// A request to a JSON route whose declared body is over the server's limit (<c>Kestrel:Limits:MaxRequestBodySize</c>)
/// is answered 413 only after its body has been read and dropped, up to <see cref="DrainLimit"/>: a client still
/// sending would otherwise see its connection reset instead of the answer. Image data routes stream their bodies under
/// their own limit (they carry <c>DisableRequestSizeLimitAttribute</c>, an <see cref="IRequestSizeLimitMetadata"/>)
/// and are left alone; bodies declared larger than the drain limit still
/// get Kestrel's immediate 413 and a closed connection.
/// </summary>
public sealed class OversizedBodyMiddleware(RequestDelegate next)
{
    public const long DrainLimit = 16L << 20;

    public async Task InvokeAsync(HttpContext ctx)
    {
        if (ctx.Request.ContentLength is long length && length <= DrainLimit
            && ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false, MaxRequestBodySize: long max } limit && length > max
            && ctx.GetEndpoint() is { } endpoint && endpoint.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is null)
        {
            limit.MaxRequestBodySize = length;
            await ctx.Request.Body.CopyToAsync(Stream.Null, ctx.RequestAborted);
            throw new BadHttpRequestException($"Request body too large: the limit is {max} bytes.", StatusCodes.Status413PayloadTooLarge);
        }

        await next(ctx);
    }
}
