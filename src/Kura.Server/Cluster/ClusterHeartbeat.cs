using Kura.Domain.Cluster;
using Microsoft.Extensions.Options;

namespace Kura.Server.Cluster;

/// <summary>
/// Renews this node's lease every <see cref="ClusterOptions.HeartbeatInterval"/> and lets the recovery job run
/// where this node holds it; gives the lease up on a clean stop. A failed beat (the database away) is logged and
/// tried again at the next one.
/// </summary>
public sealed partial class ClusterHeartbeat(RecoveryService recovery, IOptions<ClusterOptions> options, ILogger<ClusterHeartbeat> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await recovery.HeartbeatAsync(atStart: false, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                recovery.Counters.BeatFailed();
                LogBeatFailed(ex.GetType().Name, ex.Message);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await recovery.LeaveAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            LogBeatFailed(ex.GetType().Name, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster heartbeat failed ({Error}: {Message}); retrying at the next beat")]
    private partial void LogBeatFailed(string error, string message);
}
