using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kura.Api.Common;

/// <summary>
/// Gives every request an OpenStack request id (<c>req-UUID</c>), or adopts a well-formed one the client sent in
/// <c>X-Openstack-Request-ID</c> (as glanceclient does), returns it in <c>x-openstack-request-id</c>, and puts it
/// in the logging scope of everything the request logs and on the request's span (<c>openstack.request_id</c>) when
/// it is traced.
/// </summary>
public sealed class RequestIdMiddleware(RequestDelegate next, ILogger<RequestIdMiddleware> logger)
{
    public const string Header = "x-openstack-request-id";

    public async Task InvokeAsync(HttpContext ctx)
    {
        var id = Adopt(ctx.Request.Headers[Header].ToString()) ?? "req-" + Guid.NewGuid();
        ctx.Items[Header] = id;
        Activity.Current?.SetTag("openstack.request_id", id);
        ctx.Response.OnStarting(() =>
        {
            ctx.Response.Headers[Header] = id;
            return Task.CompletedTask;
        });
        using (logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = id }))
        {
            await next(ctx);
        }
    }

    /// <summary>Accepts only short ids of letters, digits and dashes, so a header can never inject anything.</summary>
    private static string? Adopt(string sent)
    {
        if (sent.Length is 0 or > 64 || !sent.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            return null;
        }

        return sent.StartsWith("req-", StringComparison.Ordinal) ? sent : "req-" + sent;
    }
}
