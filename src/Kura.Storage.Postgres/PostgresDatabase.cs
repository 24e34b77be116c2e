using System.Data.Common;
using System.Reflection;
using Kura.Storage.Relational;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Kura.Storage.Postgres;

/// <summary>
/// The PostgreSQL database shared by every Kura node: one pooled <see cref="NpgsqlDataSource"/>, and the embedded,
/// numbered migrations (<c>Migrations/NNNN_name.sql</c>) applied in order under an advisory lock, so that nodes
/// starting together migrate once.
/// </summary>
public sealed partial class PostgresDatabase : RelationalDatabase, IAsyncDisposable
{
    /// <summary>The advisory-lock key that serializes migrations across nodes ("kura" in ASCII).</summary>
    private const long MigrationLock = 0x6b757261;

    private readonly NpgsqlDataSource _source;
    private readonly ILogger<PostgresDatabase> _logger;

    public PostgresDatabase(string connectionString, ILogger<PostgresDatabase> logger)
    {
        _logger = logger;
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "kura";
        }

        // Kura's statements are few and repeat constantly: prepare them on each connection after two uses, so the
        // server plans a show or a list page once instead of on every request (unless the operator chose otherwise).
        if (!connectionString.Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase) &&
            !connectionString.Contains("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }

        _source = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken ct) => _source.OpenConnectionAsync(ct);

    /// <summary>SQLSTATE 23505 is how PostgreSQL reports a unique or primary-key violation.</summary>
    public override SqlDialect Dialect { get; } = SqlDialect.Postgres(
        ex => ex is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }, PostgresChangeListener.Channel);

    protected override async ValueTask<RelationalSession> OpenSessionAsync(CancellationToken ct) => new PostgresSession(await OpenAsync(ct));

    /// <summary>A connection outside the pool's normal use, for LISTEN.</summary>
    internal NpgsqlConnection CreateConnection() => _source.CreateConnection();

    /// <summary>Applies every migration newer than the database; returns the schema version reached.</summary>
    public async Task<int> MigrateAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using (var setup = new NpgsqlCommand($"""
            SELECT pg_advisory_lock({MigrationLock});
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INTEGER PRIMARY KEY,
                name       TEXT NOT NULL,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
            );
            """, connection))
        {
            await setup.ExecuteNonQueryAsync(ct);
        }

        try
        {
            int current;
            await using (var query = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", connection))
            {
                current = Convert.ToInt32(await query.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
            }

            foreach (var (version, name, sql) in SchemaMigrations.Embedded(typeof(PostgresDatabase).Assembly, "Kura.Storage.Postgres.Migrations."))
            {
                if (version <= current)
                {
                    continue;
                }

                await using var tx = await connection.BeginTransactionAsync(ct);
                await using (var apply = new NpgsqlCommand(sql, connection, tx))
                {
                    await apply.ExecuteNonQueryAsync(ct);
                }

                await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name) VALUES (@v, @n)", connection, tx))
                {
                    record.Parameters.AddWithValue("v", version);
                    record.Parameters.AddWithValue("n", name);
                    await record.ExecuteNonQueryAsync(ct);
                }

                await tx.CommitAsync(ct);
                LogMigrated(version, name);
                current = version;
            }

            return current;
        }
        finally
        {
            await using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({MigrationLock})", connection);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied PostgreSQL schema migration {Version} ({Name})")]
    private partial void LogMigrated(int version, string name);
}
