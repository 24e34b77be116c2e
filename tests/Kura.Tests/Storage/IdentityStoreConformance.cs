using Kura.Identity;
using Kura.Tests.Support;
using Group = Kura.Identity.Group;

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

    private async Task SeedAsync()
    {
        Assert.True(await _store.TryAddProjectAsync(Project("p1", "one"), None));
        Assert.True(await _store.TryAddProjectAsync(Project("p2", "two"), None));
        Assert.True(await _store.TryAddUserAsync(User("u1", "alice"), None));
        Assert.True(await _store.TryAddUserAsync(User("u2", "bob"), None));
        foreach (var (id, name) in new[] { ("r1", "reader"), ("r2", "admin"), ("r3", "member") })
        {
            Assert.True(await _store.TryAddRoleAsync(new Role(id, name, null, null), None));
        }
    }

    [Fact]
    public async Task Groups_have_unique_names_and_members_and_give_their_roles_to_every_member()
    {
        await SeedAsync();
        Assert.True(await _store.TryAddGroupAsync(new Group("g1", "ops", "default", "operators"), None));
        Assert.False(await _store.TryAddGroupAsync(new Group("g2", "ops", "default", ""), None));
        Assert.True(await _store.TryAddGroupAsync(new Group("g2", "devs", "default", ""), None));
        Assert.False(await _store.TryUpdateGroupAsync(new Group("g2", "ops", "default", ""), None));
        Assert.True(await _store.TryUpdateGroupAsync(new Group("g2", "developers", "default", "d"), None));
        Assert.False(await _store.TryUpdateGroupAsync(new Group("missing", "x", "default", ""), None));
        Assert.Equal(["developers", "ops"], (await _store.ListGroupsAsync(null, "default", None)).Select(g => g.Name));
        Assert.Equal("operators", Assert.Single(await _store.ListGroupsAsync("ops", null, None)).Description);

        await _store.AddGroupMemberAsync("g1", "u1", None);
        await _store.AddGroupMemberAsync("g1", "u1", None);
        await _store.AddGroupMemberAsync("g1", "u2", None);
        Assert.Equal(["alice", "bob"], (await _store.ListGroupMembersAsync("g1", None)).Select(u => u.Name));
        Assert.Equal(["ops"], (await _store.ListGroupsOfUserAsync("u2", None)).Select(g => g.Name));

        // alice: reader directly, member through ops, on p1; bob only through ops.
        await _store.AddAssignmentAsync(new RoleAssignment("u1", "p1", "r1"), None);
        await _store.AddAssignmentAsync(new RoleAssignment("g1", "p1", "r3", AssignmentKind.GroupProject), None);
        await _store.AddAssignmentAsync(new RoleAssignment("g1", "p1", "r3", AssignmentKind.GroupProject), None);
        Assert.Equal(["member", "reader"], (await _store.ListRolesForAsync("u1", "p1", None)).Select(r => r.Name));
        Assert.Equal(["member"], (await _store.ListRolesForAsync("u2", "p1", None)).Select(r => r.Name));
        Assert.Empty(await _store.ListRolesForAsync("u2", "p2", None));

        await _store.AddTokenAsync(new TokenRecord("bob-1", "u2", "p1", ["password"], T0, T0.AddHours(1), ["a"]), None);
        Assert.Equal(["member"], (await _store.FindTokenInfoAsync("bob-1", None))!.Roles.Select(r => r.Name));
        Assert.True(await _store.RemoveGroupMemberAsync("g1", "u2", None));
        Assert.False(await _store.RemoveGroupMemberAsync("g1", "u2", None));
        Assert.Empty((await _store.FindTokenInfoAsync("bob-1", None))!.Roles);

        // The filters of role_assignments see each kind apart.
        Assert.Equal([AssignmentKind.UserProject], (await _store.ListAssignmentsAsync(new AssignmentFilter("u1", null, null), None)).Select(a => a.Kind));
        var groupOnes = await _store.ListAssignmentsAsync(new AssignmentFilter(null, null, null) { GroupId = "g1" }, None);
        Assert.Equal(new RoleAssignment("g1", "p1", "r3", AssignmentKind.GroupProject), Assert.Single(groupOnes));
        Assert.Equal(2, (await _store.ListAssignmentsAsync(new AssignmentFilter(null, "p1", null), None)).Count);
        Assert.True(await _store.RemoveAssignmentAsync(new RoleAssignment("g1", "p1", "r3", AssignmentKind.GroupProject), None));
        Assert.Equal(["reader"], (await _store.ListRolesForAsync("u1", "p1", None)).Select(r => r.Name));

        // Deleting a group takes its memberships and assignments with it.
        await _store.AddAssignmentAsync(new RoleAssignment("g1", "p2", "r2", AssignmentKind.GroupProject), None);
        Assert.True(await _store.DeleteGroupAsync("g1", None));
        Assert.False(await _store.DeleteGroupAsync("g1", None));
        Assert.Empty(await _store.ListGroupsOfUserAsync("u1", None));
        Assert.Empty(await _store.ListRolesForAsync("u1", "p2", None));
        Assert.Empty(await _store.ListAssignmentsAsync(new AssignmentFilter(null, null, null) { GroupId = "g1" }, None));
    }

    [Fact]
    public async Task Domain_scoped_tokens_carry_the_roles_held_on_the_domain_directly_or_through_a_group()
    {
        await SeedAsync();
        Assert.True(await _store.TryAddGroupAsync(new Group("g1", "ops", "default", ""), None));
        await _store.AddGroupMemberAsync("g1", "u1", None);
        await _store.AddAssignmentAsync(new RoleAssignment("u1", "default", "r3", AssignmentKind.UserDomain), None);
        await _store.AddAssignmentAsync(new RoleAssignment("g1", "default", "r1", AssignmentKind.GroupDomain), None);
        await _store.AddAssignmentAsync(new RoleAssignment("u1", "p1", "r2"), None);
        Assert.Equal(["member", "reader"], (await _store.ListDomainRolesForAsync("u1", "default", None)).Select(r => r.Name));
        Assert.Empty(await _store.ListDomainRolesForAsync("u2", "default", None));

        await _store.AddTokenAsync(new TokenRecord("dom-1", "u1", null, ["password"], T0, T0.AddHours(1), ["a"]) { DomainId = "default" }, None);
        var info = (await _store.FindTokenInfoAsync("dom-1", None))!;
        Assert.Null(info.Project);
        Assert.Equal("Default", info.Domain!.Name);
        Assert.Equal("default", info.Token.DomainId);
        Assert.Equal(["member", "reader"], info.Roles.Select(r => r.Name)); // not the admin role alice holds on p1

        Assert.Equal([AssignmentKind.UserDomain], (await _store.ListAssignmentsAsync(new AssignmentFilter(null, null, null) { DomainId = "default", GroupId = null }, None))
            .Where(a => !a.ToGroup).Select(a => a.Kind));
        Assert.Single(await _store.ListAssignmentsAsync(new AssignmentFilter("u1", null, null) { DomainId = "default" }, None));
        Assert.True(await _store.RemoveAssignmentAsync(new RoleAssignment("g1", "default", "r1", AssignmentKind.GroupDomain), None));
        Assert.Equal(["member"], (await _store.FindTokenInfoAsync("dom-1", None))!.Roles.Select(r => r.Name));
    }

    [Fact]
    public async Task Application_credentials_keep_their_roles_and_their_tokens_get_only_the_roles_still_held()
    {
        await SeedAsync();
        await _store.AddAssignmentAsync(new RoleAssignment("u1", "p1", "r1"), None);
        await _store.AddAssignmentAsync(new RoleAssignment("u1", "p1", "r3"), None);
        var reader = new Role("r1", "reader", null, null);
        var member = new Role("r3", "member", null, null);
        var credential = new ApplicationCredential("c1", "ci", "u1", "p1", "for CI", T0.AddDays(1), false, [member, reader]) { SecretHash = "kdf-output" };
        Assert.True(await _store.TryAddApplicationCredentialAsync(credential, None));
        Assert.False(await _store.TryAddApplicationCredentialAsync(credential with { Id = "c2" }, None));
        Assert.Null(await _store.FindApplicationCredentialAsync("c2", None));
        Assert.True(await _store.TryAddApplicationCredentialAsync(credential with { Id = "c2", UserId = "u2", Roles = [reader] }, None));

        var found = (await _store.FindApplicationCredentialAsync("c1", None))!;
        Assert.Equal(("ci", "u1", "p1", "for CI", T0.AddDays(1), false, "kdf-output"),
            (found.Name, found.UserId, found.ProjectId, found.Description, found.ExpiresAt, found.Unrestricted, found.SecretHash));
        Assert.Equal(["member", "reader"], found.Roles.Select(r => r.Name));
        Assert.Equal("c1", (await _store.FindApplicationCredentialByNameAsync("u1", "ci", None))!.Id);
        Assert.Equal("c2", (await _store.FindApplicationCredentialByNameAsync("u2", "ci", None))!.Id);
        Assert.Equal(["c1"], (await _store.ListApplicationCredentialsAsync("u1", null, None)).Select(c => c.Id));
        Assert.Empty(await _store.ListApplicationCredentialsAsync("u1", "other", None));

        // Only member of the credential's roles: the user's admin role is not in it.
        await _store.AddAssignmentAsync(new RoleAssignment("u1", "p1", "r2"), None);
        await _store.AddTokenAsync(new TokenRecord("ac-1", "u1", "p1", ["application_credential"], T0, T0.AddHours(1), ["a"]) { ApplicationCredentialId = "c1" }, None);
        var info = (await _store.FindTokenInfoAsync("ac-1", None))!;
        Assert.Equal(["member", "reader"], info.Roles.Select(r => r.Name));
        Assert.Equal(("c1", "ci", false), (info.ApplicationCredential!.Id, info.ApplicationCredential.Name, info.ApplicationCredential.Unrestricted));
        Assert.Equal("c1", (await _store.FindTokenAsync("ac-1", None))!.ApplicationCredentialId);
        Assert.True(await _store.RemoveAssignmentAsync(new RoleAssignment("u1", "p1", "r3"), None));
        Assert.Equal(["reader"], (await _store.FindTokenInfoAsync("ac-1", None))!.Roles.Select(r => r.Name));

        // Deleting the credential deletes its tokens; deleting a role deletes the credentials that held it.
        Assert.True(await _store.DeleteApplicationCredentialAsync("c1", None));
        Assert.False(await _store.DeleteApplicationCredentialAsync("c1", None));
        Assert.Null(await _store.FindTokenInfoAsync("ac-1", None));
        Assert.True(await _store.DeleteRoleAsync("r1", None));
        Assert.Null(await _store.FindApplicationCredentialAsync("c2", None));

        Assert.True(await _store.TryAddApplicationCredentialAsync(credential with { Id = "c3", Name = "x", Roles = [member] }, None));
        Assert.True(await _store.TryAddApplicationCredentialAsync(credential with { Id = "c4", Name = "y", ProjectId = "p2", Roles = [member], ExpiresAt = null }, None));
        Assert.Null((await _store.FindApplicationCredentialAsync("c4", None))!.ExpiresAt);
        Assert.Equal(1, await _store.DeleteApplicationCredentialsOfUserAsync("u1", "p2", None));
        Assert.Equal(["c3"], (await _store.ListApplicationCredentialsAsync("u1", null, None)).Select(c => c.Id));
        Assert.True(await _store.DeleteUserAsync("u1", None));
        Assert.Null(await _store.FindApplicationCredentialAsync("c3", None));
    }

    [Fact]
    public async Task A_password_set_revokes_the_users_tokens_and_leaves_the_rest_of_the_user_alone()
    {
        await SeedAsync();
        await _store.AddTokenAsync(new TokenRecord("pw-1", "u1", null, ["password"], T0, T0.AddHours(1), ["a"]), None);
        await _store.AddTokenAsync(new TokenRecord("pw-2", "u2", null, ["password"], T0, T0.AddHours(1), ["b"]), None);
        Assert.True(await _store.TryUpdateUserAsync(User("u1", "alice") with { Description = "kept" }, None));
        Assert.True(await _store.SetPasswordAndRevokeTokensAsync("u1", "new-hash", None));
        var alice = (await _store.FindUserAsync("u1", None))!;
        Assert.Equal(("new-hash", "kept"), (alice.PasswordHash, alice.Description));
        Assert.Null(await _store.FindTokenAsync("pw-1", None));
        Assert.NotNull(await _store.FindTokenAsync("pw-2", None));

        // A disabled user's password is not set (a disable that raced the change stays).
        Assert.True(await _store.TryUpdateUserAsync(User("u2", "bob") with { Enabled = false }, None));
        Assert.False(await _store.SetPasswordAndRevokeTokensAsync("u2", "other", None));
        Assert.Equal("hash-u2", (await _store.FindUserAsync("u2", None))!.PasswordHash);
        Assert.False(await _store.SetPasswordAndRevokeTokensAsync("missing", "x", None));
    }
}
