using System.Data.Common;
using Kura.Storage.Relational;
using Microsoft.Data.Sqlite;

namespace Kura.Storage.Sqlite;

/// <summary>
/// One open connection borrowed from <see cref="SqliteDatabase"/>, with the commands it has prepared, by SQL text.
/// <see cref="Command"/> hands out a cached command with its parameters cleared: bind, execute, and do not
/// dispose it (the session owns it). Disposing the session returns the connection to the pool.
/// </summary>
public sealed class SqliteSession : RelationalSession
{
    /// <summary>Distinct statements kept per connection (list pages vary with their filters); past this the cache starts over.</summary>
    private const int MaxStatements = 128;

    private readonly SqliteDatabase _owner;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    internal SqliteSession(SqliteDatabase owner, SqliteConnection connection)
    {
        _owner = owner;
        Connection = connection;
    }

    public SqliteConnection Connection { get; }

    internal bool IsReusable => Connection.State == System.Data.ConnectionState.Open;

    /// <summary>The prepared command for <paramref name="sql"/>, parameters cleared, enlisted in <paramref name="tx"/>.</summary>
    public override SqliteCommand Command(string sql, DbTransaction? tx = null)
    {
        RecordStatement(sql);
        if (!_commands.TryGetValue(sql, out var cmd))
        {
            if (_commands.Count >= MaxStatements)
            {
                DisposeCommands();
            }

            cmd = Connection.CreateCommand();
            cmd.CommandText = sql;
            _commands[sql] = cmd;
        }

        cmd.Parameters.Clear();
        cmd.Transaction = (SqliteTransaction?)tx;
        return cmd;
    }

    public override async Task<DbTransaction> BeginTransactionAsync(CancellationToken ct) =>
        await Connection.BeginTransactionAsync(ct);

    protected override ValueTask CloseAsync()
    {
        _owner.Return(this);
        return ValueTask.CompletedTask;
    }

    internal void Close()
    {
        DisposeCommands();
        Connection.Dispose();
    }

    private void DisposeCommands()
    {
        foreach (var cmd in _commands.Values)
        {
            cmd.Dispose();
        }

        _commands.Clear();
    }
}
