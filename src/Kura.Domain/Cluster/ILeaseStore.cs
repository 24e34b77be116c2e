namespace Kura.Domain.Cluster;

/// <summary>
/// Leases in the shared database: which nodes are alive (each renews its own lease), and which node runs a
/// cluster-wide job right now, so that recovery and clean-ups run once for the cluster, not once per node.
/// </summary>
public interface ILeaseStore
{
    /// <summary>Records that <paramref name="nodeId"/> is alive until <paramref name="until"/>.</summary>
    Task RenewNodeAsync(string nodeId, DateTimeOffset until, CancellationToken ct);

    /// <summary>Forgets a node's lease (a clean shutdown).</summary>
    Task RemoveNodeAsync(string nodeId, CancellationToken ct);

    /// <summary>Forgets every lease but <paramref name="nodeId"/>'s (the start of a single-node deployment).</summary>
    Task RemoveOtherNodesAsync(string nodeId, CancellationToken ct);

    /// <summary>The nodes whose lease has not run out at <paramref name="now"/>.</summary>
    Task<IReadOnlySet<string>> ListLiveNodesAsync(DateTimeOffset now, CancellationToken ct);

    /// <summary>
    /// Takes (or keeps) the lease on <paramref name="job"/> until <paramref name="until"/> when it is free, run out,
    /// or already held by <paramref name="nodeId"/>; false when another live node holds it.
    /// </summary>
    Task<bool> TryAcquireJobAsync(string job, string nodeId, DateTimeOffset now, DateTimeOffset until, CancellationToken ct);
}
