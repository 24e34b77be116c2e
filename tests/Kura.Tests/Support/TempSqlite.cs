using Kura.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kura.Tests.Support;

/// <summary>A migrated SQLite database in its own temporary directory.</summary>
public sealed class TempSqlite : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("kura-sqlite-").FullName;

    public SqliteDatabase Database { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = new SqliteDatabase(Path.Combine(Directory, "kura.db"), NullLogger<SqliteDatabase>.Instance);
        await Database.MigrateAsync(CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }
}
