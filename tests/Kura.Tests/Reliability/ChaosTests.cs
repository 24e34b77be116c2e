using Xunit.Abstractions;

namespace Kura.Tests.Reliability;

/// <summary>
/// A mixed workload (create, upload, patch, member changes, delete) against Kura as its own process, killed with
/// SIGKILL at random moments and started again each time (<c>KURA_CHAOS_KILLS</c> times; 5 in CI, 50 with
/// scripts/chaos.sh). After every restart: nothing stuck in saving or importing, every active image's data matches
/// its size, checksum and os_hash_value, no data file without an image and no image without its data, and every
/// change the client saw acknowledged is still there.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("kura-chaos-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Random_sigkills_under_a_mixed_workload_lose_or_corrupt_nothing()
    {
        var kills = int.TryParse(Environment.GetEnvironmentVariable("KURA_CHAOS_KILLS"), out var k) ? k : 5;
        var rng = new Random(Environment.TickCount);
        var workload = new ChaosWorkload();
        var port = KuraProcess.FreePort();
        for (var round = 0; round < kills; round++)
        {
            using var kura = await KuraProcess.StartAsync(_data, port);
            using var http = new HttpClient { BaseAddress = new Uri(kura.Url + "/"), Timeout = TimeSpan.FromSeconds(30) };
            var token = await KuraProcess.AdminTokenAsync(http);
            http.DefaultRequestHeaders.Add("X-Auth-Token", token);
            await VerifyAsync(http, workload);

            using var stop = new CancellationTokenSource();
            var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                var local = new Random(rng.Next());
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        await workload.StepAsync(http, local, w);
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                    {
                        return; // the process died under the request: its outcome is unknown, and that is allowed
                    }
                }
            })).ToList();

            await Task.Delay(rng.Next(300, 1500));
            await kura.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(workers);
        }

        using (var last = await KuraProcess.StartAsync(_data, port))
        {
            using var http = new HttpClient { BaseAddress = new Uri(last.Url + "/") };
            http.DefaultRequestHeaders.Add("X-Auth-Token", await KuraProcess.AdminTokenAsync(http));
            await VerifyAsync(http, workload);
        }

        output.WriteLine($"{kills} kills, {workload.Acknowledged} acknowledged operations, {workload.Images.Count} images, {workload.Images.Values.Count(i => i.Data is not null && !i.Deleted)} with data verified");
        Assert.True(workload.Acknowledged > kills, "the workload did next to nothing between kills");
        Assert.DoesNotContain(workload.Statuses.Keys, status => status >= 500);
        Assert.True(workload.ServerErrors.IsEmpty, string.Join("\n", workload.ServerErrors));
    }

    /// <summary>The model's checks through the API, and on disk: the data files are exactly the active images.</summary>
    private async Task VerifyAsync(HttpClient http, ChaosWorkload workload)
    {
        var active = await workload.VerifyAsync(http);
        Assert.Equal(active.Order(StringComparer.Ordinal), Directory.GetFiles(Path.Combine(_data, "blobs", "images")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFiles(Path.Combine(_data, "blobs", "tmp")));
    }
}
