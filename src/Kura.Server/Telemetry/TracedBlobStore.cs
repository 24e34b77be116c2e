using System.Diagnostics;
using System.Runtime.CompilerServices;
using Kura.Domain.Blobs;

namespace Kura.Server.Telemetry;

/// <summary>
/// The configured blob store with one span per call (<c>blob put</c>, <c>blob open</c>, <c>blob delete</c>…,
/// <c>kura.blob.store</c> its type), so a trace shows store work of every kind: the file store has no client of its
/// own to trace, Swift's and S3's HTTP requests appear under these spans. Costs nothing while no tracer listens.
/// </summary>
public sealed class TracedBlobStore(IBlobStore inner, string storeType) : IBlobStore
{
    public const string ActivitySourceName = "Kura.Blobs";

    private static readonly ActivitySource Source = new(ActivitySourceName);

    public Task<long> PutAsync(string key, Stream content, CancellationToken ct) =>
        TracedAsync("blob put", key, () => inner.PutAsync(key, content, ct), (span, written) => span.SetTag("kura.blob.bytes", written));

    /// <summary>The span covers opening (the store's first answer); the bytes then stream to the client under the request's span.</summary>
    public Task<Stream> OpenReadAsync(string key, ByteRange? range, CancellationToken ct) =>
        TracedAsync("blob open", key, () => inner.OpenReadAsync(key, range, ct));

    public Task DeleteAsync(string key, CancellationToken ct) =>
        TracedAsync("blob delete", key, async () =>
        {
            await inner.DeleteAsync(key, ct);
            return true;
        });

    public async IAsyncEnumerable<BlobEntry> ListAsync([EnumeratorCancellation] CancellationToken ct)
    {
        using var span = Start("blob list", null);
        await foreach (var entry in inner.ListAsync(ct))
        {
            yield return entry;
        }
    }

    public Task<int> DeleteAbandonedUploadsAsync(IReadOnlySet<string> busyKeys, DateTimeOffset olderThan, CancellationToken ct) =>
        TracedAsync("blob sweep", null, () => inner.DeleteAbandonedUploadsAsync(busyKeys, olderThan, ct));

    private async Task<T> TracedAsync<T>(string name, string? key, Func<Task<T>> call, Action<Activity, T>? describe = null)
    {
        using var span = Start(name, key);
        try
        {
            var result = await call();
            if (span is not null)
            {
                describe?.Invoke(span, result);
            }

            return result;
        }
        catch (Exception ex)
        {
            span?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            throw;
        }
    }

    private Activity? Start(string name, string? key)
    {
        var span = Source.StartActivity(name, ActivityKind.Internal);
        span?.SetTag("kura.blob.store", storeType);
        if (key is not null)
        {
            span?.SetTag("kura.blob.key", key);
        }

        return span;
    }
}
