using DbUp;
using DbUp.Sqlite.Helpers;
using Kura.Storage.Relational;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Kura.Storage.Sqlite;

/// <summary>
/// The SQLite file: opens pooled connections with the pragmas Kura relies on, and applies the embedded,
/// numbered migrations (<c>Migrations/NNNN_name.sql</c>) in order with DbUp, each in its own transaction. Stores borrow a
/// <see cref="SqliteSession"/>: an open connection from Kura's own pool that keeps its prepared statements, so a
/// hot query is parsed once per connection rather than once per request.
/// </summary>
public sealed partial class SqliteDatabase : RelationalDatabase, IDisposable
{
    /// <summary>Open connections kept between requests; more may be open at once, the rest are closed on return.</summary>
    private const int IdleSessions = 16;

    private readonly System.Collections.Concurrent.ConcurrentBag<SqliteSession> _idle = [];
    private int _idleCount;
    private bool _disposed;

    static SqliteDatabase()
    {
        // Each connection is used by one request at a time, so SQLite's per-connection mutexes (serialized mode)
        // and its global memory-statistics mutex are pure cost; both can only be set before SQLite initialises.
        SQLitePCL.Batteries_V2.Init();
        SQLitePCL.raw.sqlite3_config(SQLitePCL.raw.SQLITE_CONFIG_MULTITHREAD);
        SQLitePCL.raw.sqlite3_config(SQLitePCL.raw.SQLITE_CONFIG_MEMSTATUS, 0);
    }

    private readonly string _connectionString;
    private readonly ILogger<SqliteDatabase> _logger;

    public SqliteDatabase(string path, ILogger<SqliteDatabase> logger)
    {
        _logger = logger;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);

        // Pragmas belong to the native connection, which the pool reuses: set them once per native handle.
        if (_configured.TryAdd(connection.Handle!, true))
        {
            using var pragma = connection.CreateCommand();
            // WAL lets readers run beside the single writer; NORMAL sync in WAL mode survives a killed process
            // (an OS crash may lose the last commits, never corrupt the file).
            pragma.CommandText = "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000;";
            await pragma.ExecuteNonQueryAsync(ct);
        }

        return connection;
    }

    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> _configured = [];

    /// <summary>SQLITE_CONSTRAINT (19) is how SQLite reports a unique or primary-key violation.</summary>
    public override SqlDialect Dialect { get; } = SqlDialect.Sqlite(ex => ex is SqliteException { SqliteErrorCode: 19 });

    protected override async ValueTask<RelationalSession> OpenSessionAsync(CancellationToken ct) => await RentAsync(ct);

    /// <summary>Borrows an open connection with its statement cache; disposing the session gives it back.</summary>
    public async ValueTask<SqliteSession> RentAsync(CancellationToken ct)
    {
        if (_idle.TryTake(out var session))
        {
            Interlocked.Decrement(ref _idleCount);
            return session;
        }

        return new SqliteSession(this, await OpenAsync(ct));
    }

    internal void Return(SqliteSession session)
    {
        if (!_disposed && session.IsReusable)
        {
            if (Interlocked.Increment(ref _idleCount) <= IdleSessions)
            {
                _idle.Add(session);
                return;
            }

            Interlocked.Decrement(ref _idleCount);
        }

        session.Close();
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var session))
        {
            session.Close();
        }
    }

    /// <summary>
    /// Applies, through DbUp, every embedded migration whose version <c>schema_migrations</c> lacks, each in its own
    /// transaction; returns the schema version reached.
    /// </summary>
    public async Task<int> MigrateAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using (var wal = connection.CreateCommand())
        {
            // Outside any transaction, before DbUp opens one per script.
            wal.CommandText = "PRAGMA journal_mode = WAL";
            await wal.ExecuteNonQueryAsync(ct);
        }

        ct.ThrowIfCancellationRequested();
        var version = SchemaMigrations.Apply(
            DeployChanges.To.SqliteDatabase(new SharedConnection(connection)),
            typeof(SqliteDatabase).Assembly,
            "Kura.Storage.Sqlite.Migrations.",
            Journal,
            _logger,
            LogMigrated);

        // Refresh the planner's statistics where they are stale (cheap when nothing changed).
        await using (var optimize = connection.CreateCommand())
        {
            optimize.CommandText = "PRAGMA optimize";
            await optimize.ExecuteNonQueryAsync(ct);
        }

        return version;
    }

    private static readonly SchemaJournalSql Journal = new(
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )
        """,
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @applied_at)",
        () => DateTimeOffset.UtcNow.ToString("O"));

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied schema migration {Version} ({Name})")]
    private partial void LogMigrated(int version, string name);
}
