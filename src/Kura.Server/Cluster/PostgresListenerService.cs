using Kura.Storage.Postgres;

namespace Kura.Server.Cluster;

/// <summary>Runs the PostgreSQL identity-change listener for as long as the host runs.</summary>
public sealed class PostgresListenerService(PostgresChangeListener listener) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => listener.RunAsync(stoppingToken);
}
