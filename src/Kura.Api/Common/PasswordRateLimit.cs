using System.Net;
using System.Threading.RateLimiting;
using Kura.Domain;
using Kura.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kura.Api.Common;

/// <summary>
/// Password authentications per client address (<see cref="IdentityOptions.AuthAttemptsPerMinute"/>, a fixed window
/// of one minute) with ASP.NET Core's rate limiter: every endpoint that takes a password requires the policy
/// <see cref="IdentityOptions.PasswordRateLimitPolicy"/> (Keystone v3 and v2.0 tokens, NHN's v1.0 tokens, the
/// dashboard's sign-in). Beyond the limit the answer is 429 in the endpoint's dialect; locking a user out after
/// repeated failures is the identity service's own rule, on top of this.
/// </summary>
public static partial class PasswordRateLimit
{
    public static IServiceCollection AddPasswordRateLimit(this IServiceCollection services) =>
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(IdentityOptions.PasswordRateLimitPolicy, ctx =>
            {
                var perMinute = ctx.RequestServices.GetRequiredService<IdentityOptions>().AuthAttemptsPerMinute;
                var address = ctx.Connection.RemoteIpAddress ?? IPAddress.None;
                return perMinute == 0
                    ? RateLimitPartition.GetNoLimiter(address)
                    : RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = perMinute,
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    });
            });
            limiter.OnRejected = (context, _) =>
            {
                var ctx = context.HttpContext;
                var logger = ctx.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PasswordRateLimit));
                LogLimited(logger, (ctx.Connection.RemoteIpAddress ?? IPAddress.None).ToString());
                return new ValueTask(ErrorMiddleware.WriteAsync(ctx,
                    new KuraException(ErrorKind.TooManyRequests, "Too many authentication attempts from this address; try again in a minute.")));
            };
        });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authentication attempts from {Address} over the per-minute limit; answered 429")]
    private static partial void LogLimited(ILogger logger, string address);
}
