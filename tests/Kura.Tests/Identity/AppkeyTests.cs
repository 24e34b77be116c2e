using Kura.Domain;
using Kura.Identity;
using Kura.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kura.Tests.Identity;

public sealed class PostgresAppkeyTests() : AppkeyTests(new TestDatabase.Postgres());

public sealed class SqliteAppkeyTests() : AppkeyTests(new TestDatabase.Sqlite())
{
    [Fact]
    public async Task The_lookup_uses_the_unique_index()
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(((TestDatabase.Sqlite)Db).Directory, "kura.db")}");
        await connection.OpenAsync();
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = "EXPLAIN QUERY PLAN SELECT id FROM projects WHERE appkey = 'x'";
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Contains("ux_projects_appkey", reader.GetString(3), StringComparison.Ordinal);
    }
}

/// <summary>Appkeys (NHN v1.0): generated, settable, unique, looked up by key, only for enabled projects; on each backend.</summary>
public abstract class AppkeyTests(TestDatabase db) : IAsyncLifetime
{
    private IdentityService _ids = null!;

    protected TestDatabase Db => db;

    public async Task InitializeAsync()
    {
        await db.InitializeAsync();
        _ids = new IdentityService(db.Identity, new IdentityOptions { PasswordIterations = 1000 }, TimeProvider.System, NullLogger<IdentityService>.Instance);
        await _ids.BootstrapAsync("pw", CancellationToken.None);
    }

    public Task DisposeAsync() => db.DisposeAsync();

    [Fact]
    public async Task Projects_get_a_generated_appkey_and_are_found_by_it()
    {
        var project = await _ids.CreateProjectAsync("generated", null, null, true, null, CancellationToken.None);
        Assert.Matches("^[0-9a-f]{32}$", project.Appkey);
        Assert.Equal(project.Id, (await _ids.FindProjectByAppkeyAsync(project.Appkey!, CancellationToken.None))?.Id);
        Assert.Equal(project.Appkey, (await _ids.Store.FindProjectAsync(project.Id, CancellationToken.None))!.Appkey);

        // The bootstrap's admin project has one too.
        Assert.NotNull((await _ids.Store.FindProjectByNameAsync("default", "admin", CancellationToken.None))!.Appkey);
    }

    [Fact]
    public async Task An_appkey_can_be_chosen_and_changed_but_not_shared()
    {
        var first = await _ids.CreateProjectAsync("first", null, null, true, "chosen-key", CancellationToken.None);
        var second = await _ids.CreateProjectAsync("second", null, null, true, null, CancellationToken.None);
        var conflict = await Assert.ThrowsAsync<KuraException>(() => _ids.UpdateProjectAsync(second.Id, null, null, null, "chosen-key", CancellationToken.None));
        Assert.Equal(ErrorKind.Conflict, conflict.Kind);
        var bad = await Assert.ThrowsAsync<KuraException>(() => _ids.CreateProjectAsync("third", null, null, true, "no spaces", CancellationToken.None));
        Assert.Equal(ErrorKind.BadRequest, bad.Kind);

        await _ids.UpdateProjectAsync(first.Id, null, null, null, "new_key", CancellationToken.None);
        Assert.Null(await _ids.FindProjectByAppkeyAsync("chosen-key", CancellationToken.None));
        Assert.Equal(first.Id, (await _ids.FindProjectByAppkeyAsync("new_key", CancellationToken.None))?.Id);

        // An update that does not name the appkey keeps it.
        await _ids.UpdateProjectAsync(first.Id, "renamed", null, null, null, CancellationToken.None);
        Assert.Equal(first.Id, (await _ids.FindProjectByAppkeyAsync("new_key", CancellationToken.None))?.Id);
    }

    [Fact]
    public async Task A_disabled_project_or_a_malformed_key_finds_nothing()
    {
        var project = await _ids.CreateProjectAsync("disabled", null, null, true, "disabled-key", CancellationToken.None);
        await _ids.UpdateProjectAsync(project.Id, null, null, false, null, CancellationToken.None);
        Assert.Null(await _ids.FindProjectByAppkeyAsync("disabled-key", CancellationToken.None));
        Assert.Null(await _ids.FindProjectByAppkeyAsync("a/b", CancellationToken.None));
        Assert.Null(await _ids.FindProjectByAppkeyAsync(string.Empty, CancellationToken.None));
    }
}
