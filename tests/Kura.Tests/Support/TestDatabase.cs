using Kura.Domain.Cluster;
using Kura.Domain.Images;
using Kura.Domain.Imports;
using Kura.Domain.Metadefs;
using Kura.Identity;
using Kura.Storage.Postgres;
using Kura.Storage.Relational;
using Kura.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Kura.Tests.Support;

/// <summary>
/// A fresh, migrated metadata database of one backend, with its stores: what the store conformance suites run
/// against. <see cref="Sqlite"/> is a file in a temporary directory; <see cref="Postgres"/> a new database on the
/// server that <see cref="PostgresServer"/> names.
/// </summary>
public abstract class TestDatabase : IAsyncLifetime
{
    public abstract IImageStore Images { get; }

    public abstract IIdentityStore Identity { get; }

    public abstract ILeaseStore Leases { get; }

    public abstract ITaskStore Tasks { get; }

    public abstract IMetadefStore Metadefs { get; }

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    public sealed class Sqlite : TestDatabase
    {
        private readonly TempSqlite _db = new();

        public string Directory => _db.Directory;

        public override IImageStore Images => new RelationalImageStore(_db.Database);

        public override IIdentityStore Identity => new RelationalIdentityStore(_db.Database);

        public override ILeaseStore Leases => new RelationalLeaseStore(_db.Database);

        public override ITaskStore Tasks => new RelationalTaskStore(_db.Database);

        public override IMetadefStore Metadefs => new RelationalMetadefStore(_db.Database);

        public override Task InitializeAsync() => _db.InitializeAsync();

        public override Task DisposeAsync() => _db.DisposeAsync();
    }

    public sealed class Postgres : TestDatabase
    {
        private string _name = null!;
        private PostgresDatabase _db = null!;

        public override IImageStore Images => new RelationalImageStore(_db);

        public override IIdentityStore Identity => new RelationalIdentityStore(_db);

        public override ILeaseStore Leases => new RelationalLeaseStore(_db);

        public override ITaskStore Tasks => new RelationalTaskStore(_db);

        public override IMetadefStore Metadefs => new RelationalMetadefStore(_db);

        public override async Task InitializeAsync()
        {
            (_name, var connectionString) = await PostgresServer.CreateDatabaseAsync();
            _db = new PostgresDatabase(connectionString, NullLogger<PostgresDatabase>.Instance);
            await _db.MigrateAsync(CancellationToken.None);
        }

        public override async Task DisposeAsync()
        {
            await _db.DisposeAsync();
            await PostgresServer.DropDatabaseAsync(_name);
        }
    }
}

/// <summary>
/// The PostgreSQL server the tests use: <c>KURA_TEST_POSTGRES</c>, a superuser connection string that
/// <c>scripts/postgres.sh start</c> prints and <c>scripts/test.sh</c> sets. Without it a PostgreSQL test fails
/// (it never skips): the suite claims both backends work.
/// </summary>
public static class PostgresServer
{
    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("KURA_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "KURA_TEST_POSTGRES is not set: start a server with `eval \"$(scripts/postgres.sh start)\"; export KURA_TEST_POSTGRES` or run scripts/test.sh.");

    /// <summary>Creates an empty database; returns its name and a connection string to it.</summary>
    public static async Task<(string Name, string ConnectionString)> CreateDatabaseAsync()
    {
        var name = "kura_test_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync($"CREATE DATABASE {name}");

        return (name, new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString);
    }

    public static async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    }

    /// <summary>Runs <paramref name="statements"/> in order as the superuser, on the server's maintenance database.</summary>
    public static async Task ExecuteAsync(params string[] statements)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
