using System.Net;
using System.Threading.RateLimiting;
using Kura.Domain;
using Kura.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kura.Api.Common;

/// <summary>
/// Limits password authentications per client address (<see cref="IdentityOptions.AuthAttemptsPerMinute"/>) on
/// every endpoint that takes a password: Keystone v3 and v2.0 tokens, NHN's v1.0 tokens and the dashboard's sign-in. The answer beyond the
/// limit is 429 in the dialect of the endpoint; lockout of a user after repeated failures
/// is the identity service's own rule, on top of this.
/// </summary>
public sealed partial class AuthRateLimitMiddleware : IDisposable
{
    private readonly RequestDelegate _next;
    private readonly ILogger<AuthRateLimitMiddleware> _logger;
    private readonly PartitionedRateLimiter<IPAddress>? _limiter;

    public AuthRateLimitMiddleware(RequestDelegate next, IdentityOptions options, ILogger<AuthRateLimitMiddleware> logger)
    {
        _next = next;
        _logger = logger;
        if (options.AuthAttemptsPerMinute > 0)
        {
            _limiter = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address => RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = options.AuthAttemptsPerMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            }));
        }
    }

    public async Task InvokeAsync(HttpContext ctx)
    {
        if (_limiter is not null && HttpMethods.IsPost(ctx.Request.Method) && IsPasswordEndpoint(ctx.Request.Path))
        {
            var address = ctx.Connection.RemoteIpAddress ?? IPAddress.None;
            using var lease = _limiter.AttemptAcquire(address);
            if (!lease.IsAcquired)
            {
                LogLimited(address.ToString());
                throw new KuraException(ErrorKind.TooManyRequests, "Too many authentication attempts from this address; try again in a minute.");
            }
        }

        await _next(ctx);
    }

    /// <summary>POST …/auth/tokens (v3), …/v2.0/tokens, NHN's …/appkeys/{appkey}/tokens, and the dashboard's sign-in.</summary>
    private static bool IsPasswordEndpoint(PathString path)
    {
        var value = path.Value ?? string.Empty;
        return (value.EndsWith("/tokens", StringComparison.Ordinal) &&
                (value.StartsWith("/identity/", StringComparison.Ordinal) || value.Contains("/appkeys/", StringComparison.Ordinal))) ||
               value == "/dashboard/signin";
    }

    public void Dispose() => _limiter?.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authentication attempts from {Address} over the per-minute limit; answered 429")]
    private partial void LogLimited(string address);
}
