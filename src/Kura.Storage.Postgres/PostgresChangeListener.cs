using Kura.Identity;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Kura.Storage.Postgres;

/// <summary>
/// Listens on the <c>kura_identity</c> channel and drops this node's token-validation cache whenever any node
/// revokes a token or changes a user, project or role, so that a revocation holds on every node at once. While the
/// database is unreachable nothing can be validated anyway; after reconnecting the cache is dropped too, since
/// notifications may have been missed.
/// </summary>
public sealed partial class PostgresChangeListener(PostgresDatabase db, IdentityService identity, ILogger<PostgresChangeListener> logger)
{
    public const string Channel = "kura_identity";

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = db.CreateConnection();
                await connection.OpenAsync(ct);
                connection.Notification += (_, _) => identity.ForgetValidatedTokens();
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }

                identity.ForgetValidatedTokens();
                while (true)
                {
                    await connection.WaitAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or System.IO.IOException or TimeoutException)
            {
                identity.ForgetValidatedTokens();
                LogListenFailed(ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the identity change channel ({Message}); reconnecting")]
    private partial void LogListenFailed(string message);
}
