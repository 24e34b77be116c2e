using System.Collections.Concurrent;

namespace Kura.Tests.Cluster;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DatabaseRestartCollection
{
    public const string Name = "Faults of the shared PostgreSQL, Swift or Keystone (runs alone)";
}

/// <summary>
/// PostgreSQL restarts under load: requests in flight fail cleanly with Glance's 503, nothing acknowledged is
/// lost, and Kura serves again without a restart. The server really restarts (<c>KURA_TEST_POSTGRES_RESTART</c>,
/// set by scripts/test.sh), so this collection runs alone.
/// </summary>
[Collection(DatabaseRestartCollection.Name)]
public sealed class DatabaseRestartTests
{
    [Fact]
    public async Task A_database_restart_under_load_gives_clean_503s_loses_nothing_and_heals_without_a_restart()
    {
        var (database, connectionString) = await PostgresServer.CreateDatabaseAsync();
        var data = Directory.CreateTempSubdirectory("kura-pgrestart-").FullName;
        var kura = await KuraHost.StartNodeAsync(data, connectionString);
        try
        {
            var token = await kura.AdminTokenAsync();
            var id = (await kura.CreateImageAsync(token))["id"]!.GetValue<string>();
            var statuses = new ConcurrentBag<HttpStatusCode>();
            // Each writer sets its own property to 0, 1, 2, …; the last value it saw acknowledged must survive
            // (a later one may also have been committed just before its answer was lost).
            var acknowledged = new ConcurrentDictionary<string, int>();
            var badBodies = new ConcurrentBag<string>();
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    using var response = worker % 2 == 0
                        ? await kura.SendAsync(HttpMethod.Get, "v2/images?limit=5", token, null)
                        : await PatchAsync(kura, token, id, $"w{worker}", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    statuses.Add(response.StatusCode);
                    if (response.StatusCode == HttpStatusCode.OK && worker % 2 == 1)
                    {
                        acknowledged[$"w{worker}"] = i;
                    }

                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        var body = await response.Content.ReadAsStringAsync();
                        if (!body.Contains("503 Service Unavailable", StringComparison.Ordinal))
                        {
                            badBodies.Add(body);
                        }
                    }
                }
            })).ToList();

            await Task.Delay(500);
            await ServiceControl.RestartPostgresAsync();

            await Task.Delay(1500);
            await stop.CancelAsync();
            await Task.WhenAll(load);

            Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.Conflict or HttpStatusCode.ServiceUnavailable, s.ToString()));
            Assert.Contains(HttpStatusCode.ServiceUnavailable, statuses);
            Assert.Empty(badBodies);

            // Serving again, with the same process, and every acknowledged update is there.
            HttpStatusCode last = 0;
            for (var i = 0; i < 50 && last != HttpStatusCode.OK; i++)
            {
                using var response = await kura.SendAsync(HttpMethod.Get, $"v2/images/{id}", token, null);
                last = response.StatusCode;
                if (last != HttpStatusCode.OK)
                {
                    await Task.Delay(200);
                }
            }

            Assert.Equal(HttpStatusCode.OK, last);
            var image = await kura.SendJsonAsync(HttpMethod.Get, $"v2/images/{id}", token, null);
            Assert.Equal(4, acknowledged.Count);
            Assert.All(acknowledged, pair => Assert.True(int.Parse(image[pair.Key]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) >= pair.Value, pair.Key));
            using var after = await PatchAsync(kura, token, id, "after_restart", "x");
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        }
        finally
        {
            await kura.DisposeAsync();
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    private static async Task<HttpResponseMessage> PatchAsync(KuraHost kura, string token, string id, string key, string value)
    {
        var content = new StringContent($$"""[{"op": "add", "path": "/{{key}}", "value": "{{value}}"}]""");
        content.Headers.ContentType = new MediaTypeHeaderValue("application/openstack-images-v2.1-json-patch");
        return await kura.SendAsync(HttpMethod.Patch, $"v2/images/{id}", token, content);
    }

    [Fact]
    public async Task The_healthcheck_and_metrics_say_the_database_is_away_while_it_refuses_connections_and_OK_again_after()
    {
        var (database, connectionString) = await PostgresServer.CreateDatabaseAsync();
        var data = Directory.CreateTempSubdirectory("kura-health-").FullName;
        var kura = await KuraHost.StartNodeAsync(data, connectionString);
        try
        {
            using (var ok = await kura.Http.GetAsync("healthcheck"))
            {
                Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            }

            await PostgresServer.ExecuteAsync($"ALTER DATABASE {database} WITH ALLOW_CONNECTIONS false", $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");
            using (var down = await kura.Http.GetAsync("healthcheck"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
                Assert.Equal("DATABASE UNAVAILABLE", await down.Content.ReadAsStringAsync());
            }

            // /metrics still answers (for the alert of deploy/prometheus/kura-alerts.yml), with kura_database_up 0.
            Assert.Equal(0, await DatabaseUpAsync(kura));

            await PostgresServer.ExecuteAsync($"ALTER DATABASE {database} WITH ALLOW_CONNECTIONS true");
            using var back = await kura.Http.GetAsync("healthcheck");
            Assert.Equal(HttpStatusCode.OK, back.StatusCode);
            Assert.Equal(1, await DatabaseUpAsync(kura));
        }
        finally
        {
            await kura.DisposeAsync();
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    private static async Task<double> DatabaseUpAsync(KuraHost kura)
    {
        using var scrape = await kura.Http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        return PrometheusText.Value(await scrape.Content.ReadAsStringAsync(), "kura_database_up");
    }
}
