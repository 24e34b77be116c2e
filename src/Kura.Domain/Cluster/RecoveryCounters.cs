namespace Kura.Domain.Cluster;

/// <summary>
/// What this node's recovery has done since it started, for <c>/metrics</c>: passes run, images put back to
/// <c>queued</c>, import tasks failed, stored data removed, and heartbeats that failed (the database away).
/// </summary>
public sealed class RecoveryCounters
{
    private long _passes;
    private long _requeued;
    private long _tasksFailed;
    private long _removed;
    private long _beatsFailed;

    public long Passes => Interlocked.Read(ref _passes);

    public long Requeued => Interlocked.Read(ref _requeued);

    public long TasksFailed => Interlocked.Read(ref _tasksFailed);

    /// <summary>Stored data deleted: objects no image points at and half-written uploads of stopped nodes.</summary>
    public long Removed => Interlocked.Read(ref _removed);

    public long BeatsFailed => Interlocked.Read(ref _beatsFailed);

    public void PassRun() => Interlocked.Increment(ref _passes);

    public void ImageRequeued() => Interlocked.Increment(ref _requeued);

    public void TasksFailedBy(int count) => Interlocked.Add(ref _tasksFailed, count);

    public void RemovedBy(int count) => Interlocked.Add(ref _removed, count);

    public void BeatFailed() => Interlocked.Increment(ref _beatsFailed);
}
