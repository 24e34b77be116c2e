using System.Reflection;
using Kura.Domain.Images;
using Kura.Identity;
using Kura.Storage.Postgres;
using Kura.Storage.Relational;
using Kura.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Kura.Tests.Storage;

public sealed class SqliteMigrationTests() : MigrationConformance(newest: 10, older: 8, "Applied schema migration")
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kura-migrate-").FullName;
    private readonly List<SqliteDatabase> _opened = [];

    protected override Assembly Scripts => typeof(SqliteDatabase).Assembly;

    protected override string Prefix => "Kura.Storage.Sqlite.Migrations.";

    protected override string CountTablesSql(string table) => $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'";

    protected override Task<Backend> OpenFixtureAsync(int version)
    {
        var path = Path.Combine(_directory, $"kura-v{version}.db");
        File.Copy(Fixture($"kura-v{version}.db"), path);
        var logger = new CapturingLogger<SqliteDatabase>();
        var db = new SqliteDatabase(path, logger);
        _opened.Add(db);
        return Task.FromResult(new Backend(db, db.MigrateAsync, logger.Lines, sql => QueryAsync(path, sql)));
    }

    private static async Task<List<string>> QueryAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = new SqliteCommand(sql, connection);
        return await ReadFirstColumnAsync(command);
    }

    public override Task DisposeAsync()
    {
        _opened.ForEach(db => db.Dispose());
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class PostgresMigrationTests() : MigrationConformance(newest: 7, older: 5, "Applied PostgreSQL schema migration")
{
    private readonly List<(string Name, PostgresDatabase Db)> _opened = [];

    protected override Assembly Scripts => typeof(PostgresDatabase).Assembly;

    protected override string Prefix => "Kura.Storage.Postgres.Migrations.";

    protected override string CountTablesSql(string table) => $"SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '{table}'";

    /// <summary>A new database holding the dump of 07a9f2b's database at <paramref name="version"/> (or nothing, for 0).</summary>
    protected override async Task<Backend> OpenFixtureAsync(int version)
    {
        var (name, connectionString) = await PostgresServer.CreateDatabaseAsync();
        if (version > 0)
        {
            // pg_dump's \restrict and \unrestrict are psql's; the rest is plain SQL. Unpooled: the dump empties search_path.
            var dump = string.Join('\n', File.ReadLines(Fixture($"kura-v{version}.sql")).Where(line => !line.StartsWith('\\')));
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
            await connection.OpenAsync();
            await using var restore = new NpgsqlCommand(dump, connection);
            await restore.ExecuteNonQueryAsync();
        }

        var logger = new CapturingLogger<PostgresDatabase>();
        var db = new PostgresDatabase(connectionString, logger);
        _opened.Add((name, db));
        return new Backend(db, db.MigrateAsync, logger.Lines, async sql =>
        {
            await using var connection = await db.OpenAsync(CancellationToken.None);
            await using var command = new NpgsqlCommand(sql, connection);
            return await ReadFirstColumnAsync(command);
        });
    }

    /// <remarks>
    /// Without the advisory lock the two runs race on creating schema_migrations and the first scripts' tables; the
    /// race was lost in about one run in three when the lock was taken out, hence five rounds, each on a new database.
    /// </remarks>
    [Fact]
    public async Task Two_nodes_migrating_one_new_database_at_once_apply_each_script_once()
    {
        for (var round = 0; round < 5; round++)
        {
            var first = await OpenFixtureAsync(0);
            var second = Open(_opened[^1].Name);

            var versions = await Task.WhenAll(first.MigrateAsync(None), second.MigrateAsync(None));

            Assert.Equal([Newest, Newest], versions);
            Assert.Equal(
                Missing(0).Select(m => m.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                await first.QueryAsync("SELECT version FROM schema_migrations ORDER BY version"));
            Assert.Equal(Missing(0).Select(Logged).Order(StringComparer.Ordinal), Applied(first).Concat(Applied(second)).Order(StringComparer.Ordinal));
        }
    }

    /// <summary>A second node's view of database <paramref name="name"/>: its own pool and logger.</summary>
    private Backend Open(string name)
    {
        var logger = new CapturingLogger<PostgresDatabase>();
        var db = new PostgresDatabase(new NpgsqlConnectionStringBuilder(PostgresServer.AdminConnectionString) { Database = name }.ConnectionString, logger);
        _opened.Add((name, db));
        return new Backend(db, db.MigrateAsync, logger.Lines, _ => throw new NotSupportedException());
    }

    public override async Task DisposeAsync()
    {
        foreach (var (_, db) in _opened)
        {
            await db.DisposeAsync();
        }

        foreach (var name in _opened.Select(o => o.Name).Distinct())
        {
            await PostgresServer.DropDatabaseAsync(name);
        }
    }
}

/// <summary>
/// Databases made by the release before DbUp (07a9f2b, <c>Storage/Fixtures</c>) opened by today's runner: one at
/// that release's newest schema, one at an older schema, both with an image (tags, properties, a member), a user with
/// a role and projects in them.
/// </summary>
public abstract class MigrationConformance(int newest, int older, string logged) : IAsyncLifetime
{
    private const string ImageId = "0f1e2d3c-4b5a-4968-8776-655443322110";

    protected static readonly CancellationToken None = CancellationToken.None;

    /// <summary>The schema version of 07a9f2b's newest fixture, and of the older one.</summary>
    protected int Newest => newest;

    protected abstract Assembly Scripts { get; }

    protected abstract string Prefix { get; }

    /// <summary>SQL that counts the tables named <paramref name="table"/>.</summary>
    protected abstract string CountTablesSql(string table);

    /// <summary>A backend over a copy of the fixture at <paramref name="version"/>, not yet migrated.</summary>
    protected abstract Task<Backend> OpenFixtureAsync(int version);

    public Task InitializeAsync() => Task.CompletedTask;

    public abstract Task DisposeAsync();

    [Fact]
    public async Task A_database_of_the_previous_release_at_its_newest_schema_is_kept_as_it_is()
    {
        var backend = await OpenFixtureAsync(newest);
        var journal = await backend.QueryAsync("SELECT version || ' ' || name || ' ' || applied_at FROM schema_migrations ORDER BY version");

        var version = await backend.MigrateAsync(None);

        Assert.Equal(Math.Max(newest, Missing(newest).Select(m => m.Version).DefaultIfEmpty(0).Max()), version);
        Assert.Equal(Missing(newest).Select(Logged), Applied(backend));
        Assert.Equal(journal, (await backend.QueryAsync("SELECT version || ' ' || name || ' ' || applied_at FROM schema_migrations ORDER BY version")).Take(newest));
        await AssertRowsReadableAsync(backend.Database);
    }

    [Fact]
    public async Task A_database_of_the_previous_release_at_an_older_schema_gets_exactly_the_missing_scripts()
    {
        var backend = await OpenFixtureAsync(older);
        var missing = Missing(older);
        Assert.Equal(newest - older, missing.Count(m => m.Version <= newest));

        var version = await backend.MigrateAsync(None);

        Assert.Equal(missing[^1].Version, version);
        Assert.Equal(missing.Select(Logged), Applied(backend));
        Assert.Equal(
            Missing(0).Select(m => $"{m.Version} {m.Name}"),
            await backend.QueryAsync("SELECT version || ' ' || name FROM schema_migrations ORDER BY version"));
        await AssertRowsReadableAsync(backend.Database);

        // What the new scripts made works beside the old rows, and a second start applies nothing.
        var identity = new RelationalIdentityStore(backend.Database);
        Assert.True(await identity.TryAddGroupAsync(new Kura.Identity.Group("g-ops", "ops", "default", "added after the upgrade"), None));
        await identity.AddGroupMemberAsync("g-ops", "u-alice", None);
        Assert.Equal(["u-alice"], (await identity.ListGroupMembersAsync("g-ops", None)).Select(u => u.Id));
        Assert.Equal(version, await backend.MigrateAsync(None));
        Assert.Equal(missing.Select(Logged), Applied(backend));
    }

    [Fact]
    public async Task A_failing_script_is_rolled_back_named_and_leaves_the_scripts_before_it_applied()
    {
        var backend = await OpenFixtureAsync(older);
        var missing = Missing(older);
        var failing = missing[^1];

        // The newest script creates user_groups and then application_credentials: a table of that name already there
        // makes it fail halfway.
        await backend.QueryAsync("CREATE TABLE application_credentials (id TEXT)");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => backend.MigrateAsync(None));

        Assert.Contains($"{failing.Version:D4}_{failing.Name}.sql", error.Message, StringComparison.Ordinal);
        Assert.Contains("application_credentials", error.Message, StringComparison.Ordinal);
        Assert.Equal(missing.SkipLast(1).Select(Logged), Applied(backend));
        Assert.Equal(
            missing.SkipLast(1).Select(m => m.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            (await backend.QueryAsync("SELECT version FROM schema_migrations ORDER BY version")).Skip(older));
        Assert.Equal(["0"], await backend.QueryAsync(CountTablesSql("user_groups")));
        Assert.Equal(["fixture", "ubuntu"], (await new RelationalImageStore(backend.Database).FindAsync(ImageId, None))!.Tags.Order(StringComparer.Ordinal));
    }

    /// <summary>The lines at Information: one per applied migration, and nothing of DbUp's.</summary>
    protected static IEnumerable<string> Applied(Backend backend) => backend.Lines.Where(l => l.StartsWith("Information:", StringComparison.Ordinal));

    /// <summary>The embedded scripts newer than <paramref name="version"/>, in order.</summary>
    protected List<(int Version, string Name)> Missing(int version) =>
    [
        .. Scripts.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..^".sql".Length])
            .Select(f => (Version: int.Parse(f[..4], System.Globalization.CultureInfo.InvariantCulture), Name: f[5..]))
            .Where(m => m.Version > version)
            .OrderBy(m => m.Version),
    ];

    /// <summary>The Information line the backend writes when it has applied <paramref name="script"/>.</summary>
    protected string Logged((int Version, string Name) script) => $"Information: {logged} {script.Version} ({script.Name})";

    protected static string Fixture(string file) => Path.Combine(AppContext.BaseDirectory, "Storage", "Fixtures", file);

    protected static async Task<List<string>> ReadFirstColumnAsync(System.Data.Common.DbCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        return values;
    }

    /// <summary>The rows 07a9f2b wrote, read back through today's stores.</summary>
    private static async Task AssertRowsReadableAsync(RelationalDatabase db)
    {
        var images = new RelationalImageStore(db);
        var image = await images.FindAsync(ImageId, None);
        Assert.NotNull(image);
        Assert.Equal(("fixture-image", ImageStatus.Queued, "qcow2", "bare", "p-owner"), (image.Name, image.Status, image.DiskFormat, image.ContainerFormat, image.Owner));
        Assert.Equal((512L, 3L), (image.MinRam, image.MinDisk));
        Assert.Equal(["fixture", "ubuntu"], image.Tags.Order(StringComparer.Ordinal));
        Assert.Equal([new("os_distro", "ubuntu"), new("hw_disk_bus", "virtio")], image.Properties);
        var member = Assert.Single(await images.ListMembersAsync(ImageId, None));
        Assert.Equal(("p-partner", "accepted"), (member.MemberId, member.Status));

        var identity = new RelationalIdentityStore(db);
        var alice = await identity.FindUserByNameAsync("default", "alice", None);
        Assert.NotNull(alice);
        Assert.Equal(("u-alice", "p-owner", "pbkdf2-sha512$1000$c2FsdA==$aGFzaA=="), (alice.Id, alice.DefaultProjectId, alice.PasswordHash));
        Assert.Equal("p-owner", (await identity.FindProjectByAppkeyAsync("appkey-owner", None))?.Id);
        Assert.Equal(["member"], (await identity.ListRolesForAsync("u-alice", "p-owner", None)).Select(r => r.Name));
    }

    /// <summary>A backend's database, its migration, the lines its logger kept, and a way to run SQL on it.</summary>
    protected sealed record Backend(
        RelationalDatabase Database,
        Func<CancellationToken, Task<int>> MigrateAsync,
        IReadOnlyCollection<string> Lines,
        Func<string, Task<List<string>>> QueryAsync);
}
