using Kura.Identity;
using Kura.Tests.Support;

namespace Kura.Tests.Storage;

public sealed class SqliteIdentityStoreTests() : IdentityStoreConformance(new TestDatabase.Sqlite());

public sealed class PostgresIdentityStoreTests() : IdentityStoreConformance(new TestDatabase.Postgres());

/// <summary>The identity store's contract on every backend: unique names and appkeys, assignments, tokens and their roles.</summary>
public abstract class IdentityStoreConformance(TestDatabase db) : StoreConformance(db)
{
    private IIdentityStore _store = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _store = Db.Identity;
        Assert.True(await _store.TryAddDomainAsync(new IdentityDomain("default", "Default", "", true), None));
    }

    private static Project Project(string id, string name, string? appkey = null) => new(id, name, "default", "", true) { Appkey = appkey };

    private static User User(string id, string name) => new(id, name, "default", true, null, null, null) { PasswordHash = "hash-" + id };

    [Fact]
    public async Task Names_and_appkeys_are_unique_and_writes_report_what_they_did()
    {
        Assert.False(await _store.TryAddDomainAsync(new IdentityDomain("other", "Default", "", true), None));
        Assert.Equal("Default", (await _store.FindDomainByNameAsync("Default", None))!.Name);

        Assert.True(await _store.TryAddProjectAsync(Project("p1", "one", "key-1"), None));
        Assert.False(await _store.TryAddProjectAsync(Project("p2", "one"), None));
        Assert.False(await _store.TryAddProjectAsync(Project("p3", "three", "key-1"), None));
        Assert.True(await _store.TryAddProjectAsync(Project("p2", "two", "key-2"), None));
        Assert.Equal("p1", (await _store.FindProjectByAppkeyAsync("key-1", None))!.Id);
        Assert.Equal("p2", (await _store.FindProjectByNameAsync("default", "two", None))!.Id);
        Assert.Equal(["one", "two"], (await _store.ListProjectsAsync(null, "default", None)).Select(p => p.Name));
        Assert.Equal(["two"], (await _store.ListProjectsAsync("two", null, None)).Select(p => p.Name));

        Assert.False(await _store.TryUpdateProjectAsync(Project("p2", "one", "key-2"), None));
        Assert.True(await _store.TryUpdateProjectAsync(Project("p2", "renamed", "key-2") with { Enabled = false }, None));
        Assert.False((await _store.FindProjectAsync("p2", None))!.Enabled);
        Assert.False(await _store.TryUpdateProjectAsync(Project("missing", "x"), None));
        Assert.True(await _store.DeleteProjectAsync("p2", None));
        Assert.False(await _store.DeleteProjectAsync("p2", None));
        Assert.Null(await _store.FindProjectAsync("p2", None));
    }

    [Fact]
    public async Task Users_keep_their_hash_and_count_failed_authentications()
    {
        Assert.True(await _store.TryAddUserAsync(User("u1", "alice"), None));
        Assert.False(await _store.TryAddUserAsync(User("u2", "alice"), None));
        Assert.Equal("hash-u1", (await _store.FindUserByNameAsync("default", "alice", None))!.PasswordHash);

        Assert.Equal(1, await _store.RecordAuthFailureAsync("u1", T0, T0.AddMinutes(-5), None));
        Assert.Equal(2, await _store.RecordAuthFailureAsync("u1", T0.AddMinutes(1), T0.AddMinutes(-4), None));
        Assert.Equal(1, await _store.RecordAuthFailureAsync("u1", T0.AddMinutes(20), T0.AddMinutes(15), None));
        Assert.Equal(1, (await _store.FindUserAsync("u1", None))!.FailedAuthCount);
        await _store.ResetAuthFailuresAsync("u1", None);
        Assert.Equal(0, (await _store.FindUserAsync("u1", None))!.FailedAuthCount);

        Assert.True(await _store.TryUpdateUserAsync(User("u1", "alice") with { Email = "a@example.com", PasswordHash = "new" }, None));
        var alice = (await _store.FindUserAsync("u1", None))!;
        Assert.Equal(("a@example.com", "new"), (alice.Email, alice.PasswordHash));
        Assert.True(await _store.DeleteUserAsync("u1", None));
        Assert.Empty(await _store.ListUsersAsync(null, null, None));
    }

    [Fact]
    public async Task Assignments_are_idempotent_and_tokens_carry_the_roles_in_name_order()
    {
        await _store.TryAddProjectAsync(Project("p1", "one"), None);
        await _store.TryAddUserAsync(User("u1", "alice"), None);
        foreach (var (id, name) in new[] { ("r1", "reader"), ("r2", "admin"), ("r3", "member") })
        {
            Assert.True(await _store.TryAddRoleAsync(new Role(id, name, null, null), None));
        }

        Assert.False(await _store.TryAddRoleAsync(new Role("r4", "admin", null, null), None));
        foreach (var role in new[] { "r1", "r2", "r1" })
        {
            await _store.AddAssignmentAsync(new RoleAssignment("u1", "p1", role), None);
        }

        Assert.Equal(["admin", "reader"], (await _store.ListRolesForAsync("u1", "p1", None)).Select(r => r.Name));
        Assert.Equal(2, (await _store.ListAssignmentsAsync(new AssignmentFilter("u1", null, null), None)).Count);
        Assert.Single(await _store.ListAssignmentsAsync(new AssignmentFilter(null, "p1", "r2"), None));

        var token = new TokenRecord("digest-1", "u1", "p1", ["password"], T0, T0.AddHours(1), ["audit"]);
        await _store.AddTokenAsync(token, None);
        var info = (await _store.FindTokenInfoAsync("digest-1", None))!;
        Assert.Equal(["admin", "reader"], info.Roles.Select(r => r.Name));
        Assert.Equal(("alice", "one", "Default"), (info.User.Name, info.Project!.Name, info.ProjectDomain!.Name));
        Assert.Equal(["password"], (await _store.FindTokenAsync("digest-1", None))!.Methods);

        Assert.True(await _store.RemoveAssignmentAsync(new RoleAssignment("u1", "p1", "r2"), None));
        Assert.False(await _store.RemoveAssignmentAsync(new RoleAssignment("u1", "p1", "r2"), None));
        Assert.Equal(["reader"], (await _store.FindTokenInfoAsync("digest-1", None))!.Roles.Select(r => r.Name));

        Assert.True(await _store.RevokeTokenAsync("digest-1", None));
        Assert.False(await _store.RevokeTokenAsync("digest-1", None));
        Assert.Null(await _store.FindTokenInfoAsync("digest-1", None));

        await _store.AddTokenAsync(token with { Digest = "digest-2" }, None);
        await _store.AddTokenAsync(token with { Digest = "digest-3", ProjectId = null, ExpiresAt = T0.AddMinutes(1) }, None);
        Assert.Empty((await _store.FindTokenInfoAsync("digest-3", None))!.Roles);
        Assert.Equal(1, await _store.DeleteExpiredTokensAsync(T0.AddMinutes(30), None));
        await _store.RevokeTokensOfUserAsync("u1", None);
        Assert.Null(await _store.FindTokenAsync("digest-2", None));
    }
}
