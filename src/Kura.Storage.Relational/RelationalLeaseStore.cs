using Kura.Domain.Cluster;

namespace Kura.Storage.Relational;

/// <summary>Node and job leases in a relational database (shared by every node on PostgreSQL; the job upsert is atomic, so one node wins).</summary>
public sealed class RelationalLeaseStore(RelationalDatabase db) : ILeaseStore
{
    public Task RenewNodeAsync(string nodeId, DateTimeOffset until, CancellationToken ct) =>
        ExecuteAsync("""
            INSERT INTO cluster_nodes (id, expires_at) VALUES (@a, @b)
            ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at
            """, ct, nodeId, Micros.From(until));

    public Task RemoveNodeAsync(string nodeId, CancellationToken ct) =>
        ExecuteAsync("DELETE FROM cluster_nodes WHERE id = @a; DELETE FROM cluster_jobs WHERE holder = @a", ct, nodeId);

    public Task RemoveOtherNodesAsync(string nodeId, CancellationToken ct) =>
        ExecuteAsync("DELETE FROM cluster_nodes WHERE id <> @a; DELETE FROM cluster_jobs WHERE holder <> @a", ct, nodeId);

    public async Task<IReadOnlySet<string>> ListLiveNodesAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command("SELECT id FROM cluster_nodes WHERE expires_at > @a");
        cmd.Bind("@a", Micros.From(now));
        var live = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            live.Add(reader.GetString(0));
        }

        return live;
    }

    public async Task<bool> TryAcquireJobAsync(string job, string nodeId, DateTimeOffset now, DateTimeOffset until, CancellationToken ct) =>
        await ExecuteAsync("""
            INSERT INTO cluster_jobs (name, holder, expires_at) VALUES (@a, @b, @d)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE cluster_jobs.holder = excluded.holder OR cluster_jobs.expires_at <= @c
            """, ct, job, nodeId, Micros.From(now), Micros.From(until)) > 0;

    private async Task<int> ExecuteAsync(string sql, CancellationToken ct, params object[] args)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command(sql);
        return await cmd.BindPositional(args).ExecuteNonQueryAsync(ct);
    }
}
