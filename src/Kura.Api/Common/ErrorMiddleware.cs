using Kura.Api.Glance;
using Kura.Api.Identity;
using Kura.Api.Nhn;
using Kura.Domain;
using Kura.Domain.Blobs;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kura.Api.Common;

/// <summary>
/// Catches what handlers throw and hands it to the error mapper of the request's dialect (<see cref="Dialects.Of"/>:
/// Keystone under <c>/identity</c>, NHN's envelope under <c>/v1.0</c> and <c>/compute</c> with the Nhn preset, a plain
/// HTML page under <c>/dashboard</c> for what the dashboard's own pages did not handle, Glance elsewhere). A request the client abandoned gets no answer; anything unexpected is
/// logged and becomes a 500 in the dialect's shape.
/// </summary>
public sealed partial class ErrorMiddleware(RequestDelegate next, ILogger<ErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext ctx)
    {
        try
        {
            await next(ctx);
        }
        catch (Exception) when (ctx.RequestAborted.IsCancellationRequested)
        {
            LogAborted(ctx.Request.Method, NhnApi.Redact(ctx.Request.Path));
        }
        catch (KuraException ex) when (!ctx.Response.HasStarted)
        {
            await WriteAsync(ctx, ex);
        }
        catch (NhnException ex) when (!ctx.Response.HasStarted)
        {
            ctx.Response.Clear();
            await NhnErrors.WriteAsync(ctx, ex);
        }
        catch (BadHttpRequestException ex) when (!ctx.Response.HasStarted)
        {
            var kind = ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? ErrorKind.PayloadTooLarge : ErrorKind.BadRequest;
            await WriteAsync(ctx, new KuraException(kind, ex.Message));
        }
        catch (IOException ex) when (!ctx.Response.HasStarted && IsBadFraming(ex))
        {
            // Kestrel reports a chunk size that overflows as an IOException, not as a bad request.
            await WriteAsync(ctx, KuraException.BadRequest("The request body's chunked framing is invalid."));
        }
        catch (BlobStoreUnavailableException ex) when (!ctx.Response.HasStarted)
        {
            // The image store (Swift, S3) is away: as with the database, nothing was left half-done, and the client
            // may retry.
            LogStoreUnavailable(ctx.Request.Method, NhnApi.Redact(ctx.Request.Path), ex.GetType().Name, ex.Message);
            await WriteAsync(ctx, KuraException.ImageStoreUnavailable());
        }
        catch (Exception ex) when (!ctx.Response.HasStarted && IsStoreUnavailable(ex))
        {
            // The database went away (restart, failover, network): nothing was committed half-way, and the client
            // may retry. The connection pool reconnects by itself once the database is back.
            LogStoreUnavailable(ctx.Request.Method, NhnApi.Redact(ctx.Request.Path), ex.GetType().Name, ex.Message);
            await WriteAsync(ctx, new KuraException(ErrorKind.ServiceUnavailable, "The image service's database is unavailable at the moment; try again shortly."));
        }
        catch (Exception ex) when (!ctx.Response.HasStarted)
        {
            LogUnhandled(ex, ctx.Request.Method, NhnApi.Redact(ctx.Request.Path));
            ctx.Response.Clear();
            await (Dialects.Of(ctx) switch
            {
                Dialect.Keystone => KeystoneErrors.WriteAsync(ctx, 500, "An unexpected error prevented the server from fulfilling your request."),
                Dialect.Nhn => NhnErrors.WriteUnexpectedAsync(ctx),
                Dialect.Dashboard => HtmlErrors.WriteAsync(ctx, 500, "An unexpected error prevented the server from fulfilling your request."),
                _ => GlanceErrors.WriteAsync(ctx, 500, null),
            });
        }
    }

    /// <summary>
    /// Writes a 4xx/5xx that routing produced with no body (404 unknown path, 405 wrong method) in the dialect's shape.
    /// Under <c>/v2</c> the token is checked first, as Glance authenticates before routing: without a valid one it is 401.
    /// </summary>
    public static async Task WriteStatusAsync(HttpContext ctx)
    {
        if (Dialects.Of(ctx) == Dialect.Glance && ctx.Request.Path.StartsWithSegments("/v2", StringComparison.Ordinal))
        {
            var status = ctx.Response.StatusCode;
            var allow = ctx.Response.Headers.Allow;
            ctx.Response.Headers.Allow = default;
            if (!await GlanceAuth.AuthenticateAsync(ctx))
            {
                return;
            }

            // Glance has no route with a trailing slash: DELETE /v2/images/ is 404, not /v2/images's 405.
            var trailing = ctx.Request.Path.Value!.EndsWith('/');
            ctx.Response.StatusCode = trailing ? StatusCodes.Status404NotFound : status;
            ctx.Response.Headers.Allow = trailing ? default : allow;
        }

        await WriteRoutingStatusAsync(ctx);
    }

    private static Task WriteRoutingStatusAsync(HttpContext ctx)
    {
        var status = ctx.Response.StatusCode;
        switch (Dialects.Of(ctx))
        {
            case Dialect.Keystone:
                return KeystoneErrors.WriteAsync(ctx, status, status == 405
                    ? $"The method {ctx.Request.Method} is not allowed for this resource."
                    : "The resource could not be found.");
            case Dialect.Nhn:
                return NhnErrors.WriteStatusAsync(ctx);
            case Dialect.Dashboard:
                return HtmlErrors.WriteAsync(ctx, status, status == 405 ? "This page does not take that method." : "The page was not found.");
        }

        return status == 405
            ? GlanceErrors.WriteAsync(ctx, 405, $"The method {ctx.Request.Method} is not allowed for this resource. ")
            : GlanceErrors.WriteAsync(ctx, status, null);
    }

    /// <summary>Writes <paramref name="ex"/> in the request's dialect.</summary>
    public static Task WriteAsync(HttpContext ctx, KuraException ex)
    {
        ctx.Response.Clear();
        return Dialects.Of(ctx) switch
        {
            Dialect.Keystone => KeystoneErrors.WriteAsync(ctx, ex),
            Dialect.Nhn => NhnErrors.WriteAsync(ctx, ex),
            Dialect.Dashboard => HtmlErrors.WriteAsync(ctx, ex.Kind.Status(), ex.Explanation),
            _ => GlanceErrors.WriteAsync(ctx, ex),
        };
    }

    /// <summary>Kestrel's chunked-body parser refusing the framing it was sent (a chunk size that overflows).</summary>
    private static bool IsBadFraming(IOException ex) =>
        ex.InnerException is OverflowException || ex.TargetSite?.DeclaringType?.Name == "Http1ChunkedEncodingMessageBody";

    /// <summary>A transient database failure (every ADO.NET driver marks them) anywhere in the exception chain.</summary>
    private static bool IsStoreUnavailable(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is System.Data.Common.DbException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} abandoned by the client")]
    private partial void LogAborted(string method, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: a backing store is unavailable ({Error}: {Message})")]
    private partial void LogStoreUnavailable(string method, string path, string error, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private partial void LogUnhandled(Exception ex, string method, string path);
}
