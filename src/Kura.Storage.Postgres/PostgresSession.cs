using System.Data.Common;
using Kura.Storage.Relational;
using Npgsql;

namespace Kura.Storage.Postgres;

/// <summary>
/// A pooled connection for one unit of work. Commands are new each time (Npgsql prepares repeated statements on the
/// connection itself, <c>Max Auto Prepare</c>) and disposed with the session, which returns the connection to the pool.
/// </summary>
public sealed class PostgresSession(NpgsqlConnection connection) : RelationalSession
{
    private readonly List<NpgsqlCommand> _commands = [];

    public override NpgsqlCommand Command(string sql, DbTransaction? tx = null)
    {
        var cmd = new NpgsqlCommand(sql, connection, (NpgsqlTransaction?)tx);
        _commands.Add(cmd);
        return cmd;
    }

    public override async Task<DbTransaction> BeginTransactionAsync(CancellationToken ct) => await connection.BeginTransactionAsync(ct);

    /// <summary>Npgsql traces each command itself (Npgsql.OpenTelemetry), so no statement is recorded here.</summary>
    protected override async ValueTask CloseAsync()
    {
        foreach (var cmd in _commands)
        {
            await cmd.DisposeAsync();
        }

        await connection.DisposeAsync();
    }
}
