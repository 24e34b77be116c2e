using Kura.Domain.Blobs;
using Kura.Domain.Images;
using Kura.Domain.Imports;
using Microsoft.Extensions.Logging;

namespace Kura.Domain.Cluster;

/// <summary>
/// Keeps this node's lease alive and, on one node of the cluster at a time, undoes what dead nodes left behind:
/// images stuck in <c>saving</c>/<c>importing</c> go back to <c>queued</c>, their import tasks fail, and data no
/// image points at (whole objects and half-written uploads) is deleted. Work of live nodes is never touched.
/// </summary>
public sealed partial class RecoveryService(
    IImageStore images,
    ITaskStore tasks,
    IBlobStore blobs,
    ILeaseStore leases,
    ClusterNode node,
    ClusterOptions options,
    TimeProvider clock,
    RecoveryCounters counters,
    ILogger<RecoveryService> logger)
{
    public RecoveryCounters Counters => counters;

    public const string JobName = "recovery";

    /// <summary>Stored keys checked against the catalogue per query by the orphan sweep.</summary>
    private const int SweepBatch = 500;

    /// <summary>At start, before requests are served: join the cluster and clean up at once if no other node is doing it.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        if (options.SingleNode)
        {
            // Nobody else can use this database: whatever earlier leases say, their holders are gone.
            await leases.RemoveOtherNodesAsync(node.Id, ct);
        }

        await HeartbeatAsync(atStart: true, ct);
    }

    /// <summary>Renews this node's lease, then runs a recovery pass when this node holds the recovery job.</summary>
    public async Task HeartbeatAsync(bool atStart, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await leases.RenewNodeAsync(node.Id, now + options.LeaseTime, ct);
        if (await leases.TryAcquireJobAsync(JobName, node.Id, now, now + options.LeaseTime, ct))
        {
            // Before serving, a lone node has no upload of its own under way, so nothing needs to age first.
            await RecoverAsync(atStart && options.SingleNode ? now : now - options.LeaseTime, ct);
            return;
        }

        // Another node recovers for the cluster; only this node knows which of its own marks are stale.
        foreach (var image in await images.FindInProgressAsync(ct))
        {
            if (image.Worker == node.Id && !node.IsWorkingOn(image.Id))
            {
                await RequeueAsync(image, ct);
            }
        }
    }

    /// <summary>A clean stop: give up the lease so that other nodes need not wait for it to run out.</summary>
    public Task LeaveAsync(CancellationToken ct) => leases.RemoveNodeAsync(node.Id, ct);

    /// <summary>The nodes whose lease is current (also the health check's probe of the database: the smallest table).</summary>
    public Task<IReadOnlySet<string>> LiveNodesAsync(CancellationToken ct) => leases.ListLiveNodesAsync(clock.GetUtcNow(), ct);

    /// <summary>One recovery pass; data written after <paramref name="olderThan"/> is never deleted.</summary>
    public async Task RecoverAsync(DateTimeOffset olderThan, CancellationToken ct)
    {
        counters.PassRun();
        var live = await leases.ListLiveNodesAsync(clock.GetUtcNow(), ct);
        var busyImages = new HashSet<string>(StringComparer.Ordinal);
        var busyKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in await images.FindInProgressAsync(ct))
        {
            if (image.Worker is not null && live.Contains(image.Worker) && (image.Worker != node.Id || node.IsWorkingOn(image.Id)))
            {
                busyImages.Add(image.Id);
                busyKeys.Add(ImageDataWriter.DataKey(image.Id));
                busyKeys.Add(ImageDataWriter.StagingKey(image.Id));
                continue;
            }

            if (image.Status == ImageStatus.Uploading && image.StagingLocation is not null)
            {
                continue; // fully staged: waits for its import, as in Glance
            }

            await RequeueAsync(image, ct);
        }

        var failed = await tasks.FailUnfinishedAsync("The import was interrupted: the image service node running it stopped.", clock.GetUtcNow(), busyImages, ct);
        if (failed > 0)
        {
            counters.TasksFailedBy(failed);
            LogTasksFailed(failed);
        }

        // Old enough, not being written: deleted unless an image points at it, asked a batch at a time so that
        // memory stays flat however large the catalogue.
        var candidates = new List<string>(SweepBatch);
        await foreach (var blob in blobs.ListAsync(ct))
        {
            if (!busyKeys.Contains(blob.Key) && blob.LastModified < olderThan)
            {
                candidates.Add(blob.Key);
                if (candidates.Count == SweepBatch)
                {
                    await DeleteUnreferencedAsync(candidates, ct);
                    candidates.Clear();
                }
            }
        }

        await DeleteUnreferencedAsync(candidates, ct);

        var parts = await blobs.DeleteAbandonedUploadsAsync(busyKeys, olderThan, ct);
        if (parts > 0)
        {
            counters.RemovedBy(parts);
            LogPartsRemoved(parts);
        }
    }

    private async Task DeleteUnreferencedAsync(List<string> keys, CancellationToken ct)
    {
        if (keys.Count == 0)
        {
            return;
        }

        var referenced = await images.FindReferencedAsync(keys, ct);
        foreach (var key in keys.Where(k => !referenced.Contains(k)))
        {
            await blobs.DeleteAsync(key, ct);
            counters.RemovedBy(1);
            LogOrphanRemoved(key);
        }
    }

    private async Task RequeueAsync(Image image, CancellationToken ct)
    {
        var worker = image.Worker ?? "none";
        image.MoveTo(ImageStatus.Queued);
        image.StagingLocation = null;
        image.Properties.RemoveAll(p => p.Key == ImportService.LockProperty);
        image.UpdatedAt = clock.GetUtcNow();
        if (await images.TryUpdateAsync(image, image.Version, ct))
        {
            counters.ImageRequeued();
            LogRecovered(image.Id, worker);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Image {Id} was left in progress by node {Node}, which is gone or no longer working on it; it is queued again")]
    private partial void LogRecovered(string id, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} import tasks of stopped nodes were marked failed")]
    private partial void LogTasksFailed(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removed stored data {Key} that no image points at")]
    private partial void LogOrphanRemoved(string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removed {Count} half-written uploads of stopped nodes")]
    private partial void LogPartsRemoved(int count);
}
