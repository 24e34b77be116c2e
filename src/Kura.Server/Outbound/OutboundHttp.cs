using System.Net;
using System.Net.Sockets;
using Kura.Domain.Blobs;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Kura.Server.Outbound;

/// <summary>
/// The one way Kura builds an HttpClient for a backend (<see cref="OutboundBackend"/>): a pooled
/// <see cref="SocketsHttpHandler"/> under a Polly pipeline named after the backend, outermost first
/// <list type="number">
/// <item>a total timeout (until headers, retries included),</item>
/// <item>a circuit breaker that opens when too many calls fail (each call counted once, after its retries) and then
/// fails calls at once,</item>
/// <item>a retry with exponential backoff and jitter, only of requests that are safe to repeat (<see cref="Repeatable"/>),</item>
/// <item>an attempt timeout.</item>
/// </list>
/// A request whose body streams from an upload (<see cref="IStreamedBody"/>) has no timeout. Polly's rejections (an
/// open circuit, a timeout) leave the client as <see cref="HttpRequestException"/>s naming the backend, which each
/// backend already maps to its "unavailable" (503); Polly reports every retry, timeout and circuit change on its
/// <c>Polly</c> meter, tagged with the pipeline's name.
/// </summary>
public static class OutboundHttp
{
    /// <summary>The pipeline under each backend's client: Polly tags its metrics <c>pipeline.name={backend}-outbound</c> (<c>swift-outbound</c>, …).</summary>
    public const string PipelineName = "outbound";

    public static IHttpClientBuilder AddOutboundHttpClient(this IServiceCollection services, OutboundBackend backend, Action<SocketsHttpHandler, IServiceProvider>? configureHandler = null)
    {
        services.AddOptions<ResilienceOptions>(backend.Name)
            .Configure(backend.Defaults)
            .BindConfiguration(backend.ConfigurationSection)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var client = services.AddHttpClient(backend.Name, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var o = OptionsOf(sp, backend);
                var handler = new SocketsHttpHandler
                {
                    PooledConnectionLifetime = o.PooledConnectionLifetime,
                    ConnectTimeout = o.ConnectTimeout,
                    AutomaticDecompression = DecompressionMethods.None,
                };
                configureHandler?.Invoke(handler, sp);
                return handler;
            })
            // The pooled connections expire by themselves (PooledConnectionLifetime): no handler rotation needed.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler(() => new RejectionHandler(backend));
        var pipeline = client.AddResilienceHandler(PipelineName, (pipeline, context) => Build(pipeline, backend, OptionsOf(context.ServiceProvider, backend)));
        if (backend.PerAuthority)
        {
            pipeline.SelectPipelineByAuthority();
        }

        return client;
    }

    private static ResilienceOptions OptionsOf(IServiceProvider sp, OutboundBackend backend) =>
        sp.GetRequiredService<IOptionsMonitor<ResilienceOptions>>().Get(backend.Name);

    private static void Build(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, OutboundBackend backend, ResilienceOptions o)
    {
        pipeline.AddTimeout(new HttpTimeoutStrategyOptions { Name = "total", TimeoutGenerator = args => Limit(args.Context, o.TotalTimeout) });
        pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            FailureRatio = o.BreakerFailureRatio,
            MinimumThroughput = o.BreakerMinimumThroughput,
            SamplingDuration = o.BreakerSamplingDuration,
            BreakDuration = o.BreakDuration,
            ShouldHandle = args => ValueTask.FromResult(BackendFailed(args.Outcome, args.Context)),
        });
        if (!backend.ClientRetries && o.MaxRetries > 0)
        {
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = o.MaxRetries,
                Delay = o.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(BackendFailed(args.Outcome, args.Context)
                    && args.Context.GetRequestMessage() is { } request && Repeatable(request, backend)),
            });
        }

        pipeline.AddTimeout(new HttpTimeoutStrategyOptions { Name = "attempt", TimeoutGenerator = args => Limit(args.Context, o.AttemptTimeout) });
    }

    /// <summary>
    /// A failure that may pass and is the backend's: a 5xx, 408 or 429, a connection that failed or broke (also a bare
    /// socket or I/O error, which the handler sometimes lets through unwrapped), an attempt
    /// timeout; not the caller's cancellation, not Kura's own refusal to connect (<see cref="OutboundRefusedException"/>),
    /// not a streamed body whose source (the uploading client) failed.
    /// </summary>
    private static bool BackendFailed(Outcome<HttpResponseMessage> outcome, ResilienceContext context) =>
        (HttpClientResiliencePredicates.IsTransient(outcome) || outcome.Exception is SocketException or IOException)
        && !Causes(outcome.Exception).Any(e => e is OutboundRefusedException)
        && context.GetRequestMessage()?.Content is not IStreamedBody { SourceFailed: true };

    private static IEnumerable<Exception> Causes(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            yield return ex;
        }
    }

    /// <summary>A streamed body runs as long as its client sends; every other request gets <paramref name="limit"/>.</summary>
    private static ValueTask<TimeSpan> Limit(ResilienceContext context, TimeSpan limit) =>
        ValueTask.FromResult(context.GetRequestMessage()?.Content is IStreamedBody ? Timeout.InfiniteTimeSpan : limit);

    /// <summary>
    /// Whether sending <paramref name="request"/> again cannot write twice: an idempotent method (GET, HEAD, OPTIONS,
    /// DELETE, or a PUT, which overwrites one fixed name) or a POST the backend declares repeatable, with a body the
    /// handler can send again (none, buffered bytes, or a streamed body not a byte of which went out yet).
    /// </summary>
    public static bool Repeatable(HttpRequestMessage request, OutboundBackend backend)
    {
        var method = request.Method;
        var idempotent = method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options || method == HttpMethod.Delete || method == HttpMethod.Put
            || (method == HttpMethod.Post && backend.RepeatablePost(request));
        return idempotent && request.Content is null or ByteArrayContent or IStreamedBody { Started: false };
    }

    /// <summary>Turns Polly's rejections into the HttpRequestException every backend maps to "unavailable", with a sentence an operator understands.</summary>
    private sealed class RejectionHandler(OutboundBackend backend) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (BrokenCircuitException ex)
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError,
                    $"{backend.Display} is failing: too many recent calls failed, so calls fail at once until its circuit breaker tries again ({backend.ConfigurationSection}:BreakDuration).", ex);
            }
            catch (TimeoutRejectedException ex)
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, $"{backend.Display} did not answer within {ex.Timeout.TotalSeconds:0.###} s.", ex);
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                // A connection that broke can reach here unwrapped (seen: ENOTCONN as a bare SocketException under
                // load, resetting proxy in front of Swift); as an HttpRequestException it is "unavailable" like the rest.
                throw new HttpRequestException(HttpRequestError.ConnectionError, $"{backend.Display} connection failed: {ex.Message}", ex);
            }
        }
    }
}

/// <summary>Kura itself refused to make the connection (an address a filter forbids): final, never retried or counted as the backend's failure.</summary>
public sealed class OutboundRefusedException(string message) : HttpRequestException(message);
