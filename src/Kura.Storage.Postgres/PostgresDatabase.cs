using DbUp;
using DbUp.Postgresql;
using Kura.Storage.Relational;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Kura.Storage.Postgres;

/// <summary>
/// The PostgreSQL database shared by every Kura node: one pooled <see cref="NpgsqlDataSource"/>, and the embedded,
/// numbered migrations (<c>Migrations/NNNN_name.sql</c>) applied in order by DbUp under an advisory lock, so that nodes
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

    /// <summary>
    /// Applies, through DbUp, every embedded migration whose version <c>schema_migrations</c> lacks, each in its own
    /// transaction, while this node holds the migration advisory lock on a connection of its own; returns the schema
    /// version reached.
    /// </summary>
    public async Task<int> MigrateAsync(CancellationToken ct)
    {
        await using var lockConnection = await OpenAsync(ct);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLock})", lockConnection))
        {
            await take.ExecuteNonQueryAsync(ct);
        }

        try
        {
            ct.ThrowIfCancellationRequested();
            return SchemaMigrations.Apply(
                DeployChanges.To.PostgresqlDatabase(new PostgresqlConnectionManager(_source)),
                typeof(PostgresDatabase).Assembly,
                "Kura.Storage.Postgres.Migrations.",
                Journal,
                _logger,
                LogMigrated);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({MigrationLock})", lockConnection);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static readonly SchemaJournalSql Journal = new(
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """,
        "INSERT INTO schema_migrations (version, name) VALUES (@version, @name)");

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied PostgreSQL schema migration {Version} ({Name})")]
    private partial void LogMigrated(int version, string name);
}
