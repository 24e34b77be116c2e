namespace Kura.Domain.Cluster;

/// <summary>
/// This process among the Kura nodes that share one database. Its id is new at every start, so a restarted node
/// never mistakes the work a killed predecessor left behind for its own.
/// </summary>
public sealed class ClusterNode
{
    public string Id { get; } = Environment.MachineName.ToLowerInvariant() + "-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8];
}
