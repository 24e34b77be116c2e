using System.Diagnostics;
using Kura.Tests.Cluster;
using Xunit.Abstractions;

namespace Kura.Tests.Reliability;

/// <summary>
/// Chaos across the shape operators run: three Kura nodes, each its own process, on one PostgreSQL, with image data
/// in Swift and tokens from a real Keystone, under the chaos workload from six clients spread over the nodes. Each
/// round kills a node with SIGKILL; every sixth round also restarts PostgreSQL, stops the Swift proxy for seconds,
/// or makes Keystone absent (refusing connections) or slow (taking them and answering nothing). After every block
/// of six rounds, with the faults healed: nothing stuck in saving or importing, every active image's data intact,
/// everything acknowledged still there, Swift holding exactly the active images' objects and their segments (no
/// orphan), every node serving the same catalogue, and no answer was a 5xx other than Glance's 503.
/// <c>KURA_CLUSTER_CHAOS_ROUNDS</c> rounds (6 in CI, 36 with <c>scripts/chaos.sh</c>).
/// </summary>
[Collection(DatabaseRestartCollection.Name)]
public sealed class ClusterChaosTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Nodes = 3;
    private const int Block = 6;

    private readonly string _container = SwiftServer.NewContainerName();
    private readonly List<string> _directories = [];
    private readonly KuraProcess?[] _nodes = new KuraProcess?[Nodes];
    private readonly int[] _ports = [.. Enumerable.Range(0, Nodes).Select(_ => KuraProcess.FreePort())];
    private readonly Dictionary<string, int> _faults = new(StringComparer.Ordinal);

    /// <summary>The error entries the nodes logged (console "fail:" entries and the line after), for the report.</summary>
    private readonly List<string> _errors = [];
    private string _database = "";
    private string[] _args = [];

    public async Task InitializeAsync()
    {
        var (database, connectionString) = await PostgresServer.CreateDatabaseAsync();
        _database = database;
        _args =
        [
            .. KuraHost.DatabaseArgs(connectionString), .. SwiftServer.SwiftArgs(_container), "--Blobs:Swift:SegmentSize=1048576",
            // Tokens are checked at Keystone again after 2 s, so that Keystone's faults reach the requests.
            .. KeystoneServer.KuraArgs(TimeSpan.FromSeconds(2)),
            // A dead node's uploads are rolled back by another node 3 s after its last heartbeat.
            "--Cluster:HeartbeatInterval=00:00:00.500", "--Cluster:LeaseTime=00:00:03",
        ];
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            node?.Dispose();
        }

        await SwiftServer.DropAsync(_container);
        await PostgresServer.DropDatabaseAsync(_database);
        foreach (var directory in _directories)
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Node_kills_and_database_store_and_identity_faults_lose_corrupt_or_orphan_nothing()
    {
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("KURA_CLUSTER_CHAOS_ROUNDS"), out var r) ? r : Block;
        var rng = new Random(Environment.TickCount);
        var workload = new ChaosWorkload { MaxUpload = 3 << 20 };
        var token = (await KeystoneServer.CreateAccountAsync("chaos")).Token;
        for (var i = 0; i < Nodes; i++)
        {
            await StartNodeAsync(i);
        }

        var clients = Enumerable.Range(0, Nodes).Select(i => Client(i, token)).ToArray();
        var watch = Stopwatch.StartNew();
        for (var round = 0; round < rounds;)
        {
            using var stop = new CancellationTokenSource();
            var workers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
            {
                var local = new Random(rng.Next());
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        await workload.StepAsync(clients[local.Next(Nodes)], local, w);
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                    {
                        // A node died under the request, or was down: its outcome is unknown, and that is allowed.
                        await Task.Delay(50);
                    }
                }
            })).ToList();

            try
            {
                for (var end = Math.Min(rounds, round + Block); round < end; round++)
                {
                    await Task.Delay(rng.Next(500, 2000));
                    var victim = rng.Next(Nodes);
                    await _nodes[victim]!.KillAsync();
                    Count("node SIGKILL");
                    await FaultAsync(round % Block, round / Block, rng);
                    await Task.Delay(rng.Next(0, 1000));
                    Collect(_nodes[victim]!);
                    _nodes[victim]!.Dispose();
                    await StartNodeAsync(victim);
                }

                await Task.Delay(1000);
            }
            finally
            {
                await stop.CancelAsync();
                await Task.WhenAll(workers);
            }

            await VerifyAsync(clients, workload);
            output.WriteLine($"after {round} rounds ({watch.Elapsed:mm\\:ss}): {workload.Acknowledged:N0} acknowledged, {workload.Images.Count:N0} images; {workload.Report()}");
        }

        output.WriteLine($"{rounds} rounds in {watch.Elapsed:mm\\:ss}: {string.Join(", ", _faults.Select(f => $"{f.Value} {f.Key}"))}; {workload.Acknowledged:N0} acknowledged operations, {workload.Images.Count:N0} images, {workload.Images.Values.Count(i => i.Data is not null && !i.Deleted):N0} with data verified; answers {workload.Report()}");
        foreach (var node in _nodes)
        {
            Collect(node!);
        }

        foreach (var error in _errors.GroupBy(e => e, StringComparer.Ordinal))
        {
            output.WriteLine($"logged {error.Count()}x: {error.Key}");
        }

        Assert.True(workload.Acknowledged > rounds * 5, "the workload did next to nothing between faults");
        Assert.True(workload.ServerErrors.IsEmpty, string.Join("\n", workload.ServerErrors));
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    /// <summary>Round 1 of a block restarts PostgreSQL, round 3 stops the Swift proxy, round 5 faults Keystone.</summary>
    private async Task FaultAsync(int position, int block, Random rng)
    {
        switch (position)
        {
            case 1:
                await ServiceControl.RestartPostgresAsync();
                Count("PostgreSQL restarts");
                break;
            case 3:
                await ServiceControl.SwiftAsync("proxy-stop");
                await Task.Delay(rng.Next(1000, 4000));
                await ServiceControl.SwiftAsync("proxy-start");
                Count("Swift proxy stops");
                break;
            case 5 when block % 2 == 0:
                await ServiceControl.KeystoneAsync("down");
                await Task.Delay(rng.Next(1000, 4000));
                await ServiceControl.KeystoneAsync("up");
                Count("Keystone outages");
                break;
            case 5:
                await ServiceControl.KeystoneAsync("freeze");
                try
                {
                    await Task.Delay(rng.Next(1000, 4000));
                }
                finally
                {
                    await ServiceControl.KeystoneAsync("thaw");
                }

                Count("Keystone stalls");
                break;
        }
    }

    /// <summary>
    /// With the faults healed: the model's checks through a node; then, once the cluster has rolled back what the
    /// killed nodes left (a lease's time), Swift holds exactly the active images and the segments of their
    /// manifests; and every node serves the same catalogue.
    /// </summary>
    private async Task VerifyAsync(HttpClient[] clients, ChaosWorkload workload)
    {
        var settled = Stopwatch.StartNew();
        HashSet<string> active;
        (List<string> Objects, List<string> Orphans) store;
        while (true)
        {
            var images = await ChaosWorkload.ListAsync(clients[0]);
            active = images.Where(i => i["status"]!.GetValue<string>() == "active").Select(i => i["id"]!.GetValue<string>()).ToHashSet();
            store = await StoreAsync(active);
            var busy = images.Any(i => i["status"]!.GetValue<string>() is "saving" or "importing" or "uploading");
            if ((!busy && store.Objects.Count == active.Count && store.Orphans.Count == 0) || settled.Elapsed > TimeSpan.FromSeconds(30))
            {
                break;
            }

            await Task.Delay(500);
        }

        output.WriteLine($"settled in {settled.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(active, (await workload.VerifyAsync(clients[0])).ToHashSet());
        Assert.Equal(active.Order(StringComparer.Ordinal), store.Objects.Order(StringComparer.Ordinal));
        Assert.Empty(store.Orphans);
        foreach (var client in clients)
        {
            using var health = await client.GetAsync("healthcheck");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal(active, (await ChaosWorkload.ListAsync(client)).Where(i => i["status"]!.GetValue<string>() == "active").Select(i => i["id"]!.GetValue<string>()).ToHashSet());
        }
    }

    /// <summary>The objects of the image container, and the segments that belong to no active image's manifest.</summary>
    private async Task<(List<string> Objects, List<string> Orphans)> StoreAsync(HashSet<string> active)
    {
        var objects = await SwiftServer.ListAsync(_container);
        var uploads = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var key in objects.Where(active.Contains))
        {
            uploads[key] = await SwiftServer.ObjectMetaAsync(_container, key, "Kura-Upload");
        }

        var orphans = (await SwiftServer.ListAsync(_container + "_segments"))
            .Where(segment => segment.Split('/') is not [var key, var upload, _] || uploads.GetValueOrDefault(key) != upload)
            .ToList();
        return (objects, orphans);
    }

    private async Task StartNodeAsync(int i)
    {
        var directory = Directory.CreateTempSubdirectory($"kura-cluster-chaos-{i}-").FullName;
        _directories.Add(directory);
        _nodes[i] = await KuraProcess.StartAsync(directory, _ports[i], _args);
    }

    private HttpClient Client(int i, string token)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_ports[i]}/"), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("X-Auth-Token", token);
        return http;
    }

    private void Collect(KuraProcess node)
    {
        var lines = node.Output.ToArray();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("fail:", StringComparison.Ordinal) || lines[i].StartsWith("crit:", StringComparison.Ordinal))
            {
                _errors.Add(lines[i] + (i + 1 < lines.Length ? " | " + lines[i + 1].Trim() : ""));
            }
        }
    }

    private void Count(string fault)
    {
        lock (_faults)
        {
            _faults[fault] = _faults.GetValueOrDefault(fault) + 1;
        }
    }
}
