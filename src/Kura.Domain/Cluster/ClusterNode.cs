using System.Collections.Concurrent;

namespace Kura.Domain.Cluster;

/// <summary>
/// This process among the Kura nodes that share one database. Its id is new at every start, so a restarted node
/// never mistakes the work a killed predecessor left behind for its own. It also knows which images it is writing
/// data for right now, so that an image marked as its work but no longer worked on (the database failed at the
/// moment the upload ended) is recovered without waiting for the node to die.
/// </summary>
public sealed class ClusterNode
{
    private readonly ConcurrentDictionary<string, int> _work = new(StringComparer.Ordinal);

    public string Id { get; } = Environment.MachineName.ToLowerInvariant() + "-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Marks <paramref name="imageId"/> as being worked on here until the result is disposed.</summary>
    public IDisposable Claim(string imageId)
    {
        _work.AddOrUpdate(imageId, 1, (_, n) => n + 1);
        return new Release(this, imageId);
    }

    public bool IsWorkingOn(string imageId) => _work.ContainsKey(imageId);

    private sealed class Release(ClusterNode node, string imageId) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0 &&
                node._work.AddOrUpdate(imageId, 0, (_, n) => n - 1) <= 0)
            {
                node._work.TryRemove(new KeyValuePair<string, int>(imageId, 0));
            }
        }
    }
}
