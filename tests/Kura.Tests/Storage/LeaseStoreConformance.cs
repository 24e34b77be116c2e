using Kura.Domain.Cluster;
using Kura.Domain.Imports;
using Kura.Tests.Support;

namespace Kura.Tests.Storage;

public sealed class SqliteLeaseStoreTests() : LeaseStoreConformance(new TestDatabase.Sqlite());

public sealed class PostgresLeaseStoreTests() : LeaseStoreConformance(new TestDatabase.Postgres());

/// <summary>Node and job leases, and the failing of dead nodes' tasks: the same contract on every backend.</summary>
public abstract class LeaseStoreConformance(TestDatabase db) : StoreConformance(db)
{
    [Fact]
    public async Task A_node_is_live_until_its_lease_runs_out_or_it_leaves()
    {
        var leases = Db.Leases;
        await leases.RenewNodeAsync("a", T0.AddSeconds(30), CancellationToken.None);
        await leases.RenewNodeAsync("b", T0.AddSeconds(10), CancellationToken.None);
        Assert.Equal(["a", "b"], (await leases.ListLiveNodesAsync(T0, CancellationToken.None)).Order(StringComparer.Ordinal));
        Assert.Equal(["a"], await leases.ListLiveNodesAsync(T0.AddSeconds(10), CancellationToken.None));

        await leases.RenewNodeAsync("b", T0.AddSeconds(40), CancellationToken.None);
        await leases.RemoveNodeAsync("a", CancellationToken.None);
        Assert.Equal(["b"], await leases.ListLiveNodesAsync(T0.AddSeconds(10), CancellationToken.None));

        await leases.RenewNodeAsync("c", T0.AddSeconds(40), CancellationToken.None);
        await leases.RemoveOtherNodesAsync("c", CancellationToken.None);
        Assert.Equal(["c"], await leases.ListLiveNodesAsync(T0, CancellationToken.None));
    }

    [Fact]
    public async Task One_node_holds_a_job_until_its_lease_runs_out()
    {
        var leases = Db.Leases;
        Assert.True(await leases.TryAcquireJobAsync("recovery", "a", T0, T0.AddSeconds(30), CancellationToken.None));
        Assert.False(await leases.TryAcquireJobAsync("recovery", "b", T0.AddSeconds(1), T0.AddSeconds(31), CancellationToken.None));
        Assert.True(await leases.TryAcquireJobAsync("recovery", "a", T0.AddSeconds(2), T0.AddSeconds(32), CancellationToken.None));
        Assert.True(await leases.TryAcquireJobAsync("other-job", "b", T0.AddSeconds(2), T0.AddSeconds(32), CancellationToken.None));
        Assert.False(await leases.TryAcquireJobAsync("recovery", "b", T0.AddSeconds(31), T0.AddSeconds(61), CancellationToken.None));
        Assert.True(await leases.TryAcquireJobAsync("recovery", "b", T0.AddSeconds(32), T0.AddSeconds(62), CancellationToken.None));
        Assert.False(await leases.TryAcquireJobAsync("recovery", "a", T0.AddSeconds(33), T0.AddSeconds(63), CancellationToken.None));
    }

    [Fact]
    public async Task Concurrent_attempts_on_a_free_job_have_exactly_one_winner()
    {
        var attempts = Enumerable.Range(0, 8).Select(i => Db.Leases.TryAcquireJobAsync("recovery", "node" + i, T0, T0.AddSeconds(30), CancellationToken.None));
        Assert.Single(await Task.WhenAll(attempts), won => won);
    }

    [Fact]
    public async Task Unfinished_tasks_fail_except_those_of_busy_images()
    {
        var tasks = Db.Tasks;
        foreach (var (id, image, status) in new[] { ("t1", "i1", "processing"), ("t2", "i2", "pending"), ("t3", "i3", "success") })
        {
            await tasks.AddAsync(new ImageTask(id, status, "p", image, "req", "u", "{}", null, string.Empty, T0, T0, null), CancellationToken.None);
        }

        Assert.Equal(1, await tasks.FailUnfinishedAsync("gone", T0.AddMinutes(1), new HashSet<string> { "i2" }, CancellationToken.None));
        Assert.Equal("failure", (await tasks.ListForImageAsync("i1", CancellationToken.None)).Single().Status);
        Assert.Equal("gone", (await tasks.ListForImageAsync("i1", CancellationToken.None)).Single().Message);
        Assert.Equal("pending", (await tasks.ListForImageAsync("i2", CancellationToken.None)).Single().Status);
        Assert.Equal("success", (await tasks.ListForImageAsync("i3", CancellationToken.None)).Single().Status);
    }
}
