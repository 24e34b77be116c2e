using Kura.Domain;
using Kura.Identity;
using Kura.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kura.Tests.Identity;

public sealed class SqliteIdentityServiceTests() : IdentityServiceTests(new TestDatabase.Sqlite());

public sealed class PostgresIdentityServiceTests() : IdentityServiceTests(new TestDatabase.Postgres());

/// <summary>Token life and bootstrap, with each backend's real identity store and a hand-moved clock.</summary>
public abstract class IdentityServiceTests(TestDatabase db) : IAsyncLifetime
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
    private IdentityService _ids = null!;

    public async Task InitializeAsync()
    {
        await db.InitializeAsync();
        var options = new IdentityOptions { PasswordIterations = 1000, TokenLifetime = TimeSpan.FromMinutes(30) };
        _ids = new IdentityService(db.Identity, options, _clock, NullLogger<IdentityService>.Instance);
    }

    public Task DisposeAsync() => db.DisposeAsync();

    private async Task<(User User, Project Project)> AdminAsync()
    {
        await _ids.BootstrapAsync("pw", CancellationToken.None);
        var user = await _ids.AuthenticatePasswordAsync(null, "admin", "default", null, "pw", CancellationToken.None);
        var project = await _ids.ResolveScopeProjectAsync(null, "admin", null, "Default", CancellationToken.None);
        return (user, project);
    }

    [Fact]
    public async Task Bootstrap_creates_the_admin_once_and_generates_a_password_when_none_is_given()
    {
        var first = await _ids.BootstrapAsync(null, CancellationToken.None);
        Assert.True(first.Created);
        Assert.NotNull(first.GeneratedPassword);
        Assert.True(first.GeneratedPassword!.Length >= 20);
        var user = await _ids.AuthenticatePasswordAsync(null, "admin", null, "Default", first.GeneratedPassword, CancellationToken.None);
        Assert.Equal("admin", user.Name);

        var second = await _ids.BootstrapAsync(null, CancellationToken.None);
        Assert.False(second.Created);
        Assert.Null(second.GeneratedPassword);

        var roles = await _ids.Store.ListRolesAsync(null, CancellationToken.None);
        Assert.Equal(["admin", "member", "reader", "service"], roles.Select(r => r.Name));
        var project = await _ids.Store.FindProjectByNameAsync("default", "admin", CancellationToken.None);
        var granted = await _ids.Store.ListRolesForAsync(user.Id, project!.Id, CancellationToken.None);
        Assert.Equal("admin", Assert.Single(granted).Name);
    }

    [Fact]
    public async Task Tokens_expire_after_their_lifetime()
    {
        var (user, project) = await AdminAsync();
        var (secret, info) = await _ids.IssueAsync(user, project, ["password"], null, CancellationToken.None);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromMinutes(30), info.Token.ExpiresAt);
        Assert.True(info.IsAdmin);

        _clock.Advance(TimeSpan.FromMinutes(29));
        Assert.NotNull(await _ids.ValidateAsync(secret, CancellationToken.None));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(await _ids.ValidateAsync(secret, CancellationToken.None));
    }

    [Fact]
    public async Task Revoked_tokens_and_tokens_of_disabled_users_do_not_validate()
    {
        var (user, project) = await AdminAsync();
        var (first, _) = await _ids.IssueAsync(user, project, ["password"], null, CancellationToken.None);
        Assert.True(await _ids.RevokeAsync(first, CancellationToken.None));
        Assert.Null(await _ids.ValidateAsync(first, CancellationToken.None));

        var member = await _ids.CreateUserAsync("m", null, "mpw", null, null, null, true, CancellationToken.None);
        var memberRole = await _ids.Store.FindRoleByNameAsync("member", CancellationToken.None);
        await _ids.GrantAsync(new RoleAssignment(member.Id, project.Id, memberRole!.Id), CancellationToken.None);
        var (second, info) = await _ids.IssueAsync(member, project, ["password"], null, CancellationToken.None);
        Assert.False(info.IsAdmin);
        await _ids.UpdateUserAsync(member.Id, null, null, false, null, null, null, CancellationToken.None);
        Assert.Null(await _ids.ValidateAsync(second, CancellationToken.None));
        await Assert.ThrowsAsync<KuraException>(() => _ids.AuthenticatePasswordAsync(member.Id, null, null, null, "mpw", CancellationToken.None));
    }

    [Fact]
    public async Task A_user_without_a_role_on_the_project_gets_no_token_for_it()
    {
        var (_, project) = await AdminAsync();
        var loner = await _ids.CreateUserAsync("loner", null, "pw", null, null, null, true, CancellationToken.None);
        var ex = await Assert.ThrowsAsync<KuraException>(() => _ids.IssueAsync(loner, project, ["password"], null, CancellationToken.None));
        Assert.Equal(ErrorKind.Unauthorized, ex.Kind);
        var (unscoped, info) = await _ids.IssueAsync(loner, null, ["password"], null, CancellationToken.None);
        Assert.Null(info.Project);
        Assert.NotNull(await _ids.ValidateAsync(unscoped, CancellationToken.None));
    }

    [Fact]
    public async Task Only_a_digest_of_the_token_reaches_the_store()
    {
        var (user, project) = await AdminAsync();
        var (secret, info) = await _ids.IssueAsync(user, project, ["password"], null, CancellationToken.None);
        Assert.NotEqual(secret, info.Token.Digest);
        Assert.Equal(IdentityService.Digest(secret), info.Token.Digest);
        Assert.Equal(64, info.Token.Digest.Length);
        Assert.NotNull(await _ids.Store.FindTokenAsync(info.Token.Digest, CancellationToken.None));
        Assert.Null(await _ids.Store.FindTokenAsync(secret, CancellationToken.None));
    }

    [Fact]
    public async Task Validated_tokens_are_remembered_briefly_and_forgotten_on_any_identity_change()
    {
        var (user, project) = await AdminAsync();
        var (secret, _) = await _ids.IssueAsync(user, project, ["password"], null, CancellationToken.None);
        Assert.NotNull(await _ids.ValidateAsync(secret, CancellationToken.None));

        // A second node on the same database remembers the token too.
        var other = new IdentityService(db.Identity,
            new IdentityOptions { PasswordIterations = 1000, TokenCacheTime = TimeSpan.FromSeconds(5) }, _clock, NullLogger<IdentityService>.Instance);
        Assert.NotNull(await other.ValidateAsync(secret, CancellationToken.None));

        // Revoked through this node: refused here at once; the other node sees it once its 5 s have passed.
        Assert.True(await _ids.RevokeAsync(secret, CancellationToken.None));
        Assert.Null(await _ids.ValidateAsync(secret, CancellationToken.None));
        Assert.NotNull(await other.ValidateAsync(secret, CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Null(await other.ValidateAsync(secret, CancellationToken.None));

        // A role removed through this node takes access away at once even though the token was remembered.
        var member = await _ids.CreateUserAsync("cached", null, "pw", null, null, null, true, CancellationToken.None);
        var role = await _ids.Store.FindRoleByNameAsync("member", CancellationToken.None);
        await _ids.GrantAsync(new RoleAssignment(member.Id, project.Id, role!.Id), CancellationToken.None);
        var (memberToken, _) = await _ids.IssueAsync(member, project, ["password"], null, CancellationToken.None);
        Assert.NotNull(await _ids.ValidateAsync(memberToken, CancellationToken.None));
        await _ids.RevokeGrantAsync(new RoleAssignment(member.Id, project.Id, role.Id), CancellationToken.None);
        Assert.Null(await _ids.ValidateAsync(memberToken, CancellationToken.None));
    }

    [Fact]
    public async Task Names_are_unique_per_domain()
    {
        await AdminAsync();
        await _ids.CreateProjectAsync("p", null, null, true, null, CancellationToken.None);
        var ex = await Assert.ThrowsAsync<KuraException>(() => _ids.CreateProjectAsync("p", null, null, true, null, CancellationToken.None));
        Assert.Equal(ErrorKind.Conflict, ex.Kind);
        await _ids.CreateUserAsync("u", null, null, null, null, null, true, CancellationToken.None);
        ex = await Assert.ThrowsAsync<KuraException>(() => _ids.CreateUserAsync("u", null, null, null, null, null, true, CancellationToken.None));
        Assert.Equal(ErrorKind.Conflict, ex.Kind);
        ex = await Assert.ThrowsAsync<KuraException>(() => _ids.CreateUserAsync("v", "no-such-domain", null, null, null, null, true, CancellationToken.None));
        Assert.Equal(ErrorKind.NotFound, ex.Kind);
    }

    [Fact]
    public async Task Repeated_failures_lock_the_account_for_the_lockout_duration_and_the_password_is_never_logged()
    {
        var log = new CapturingLogger<IdentityService>();
        var options = new IdentityOptions { PasswordIterations = 1000, LockoutFailureAttempts = 3, LockoutDuration = TimeSpan.FromMinutes(10) };
        var ids = new IdentityService(db.Identity, options, _clock, log);
        await ids.BootstrapAsync("right-password", CancellationToken.None);
        Task<User> LogInAsync(string password) => ids.AuthenticatePasswordAsync(null, "admin", "default", null, password, CancellationToken.None);

        // Two failures, then a success: the count starts again.
        await Assert.ThrowsAsync<KuraException>(() => LogInAsync("wrong-one"));
        await Assert.ThrowsAsync<KuraException>(() => LogInAsync("wrong-two"));
        await LogInAsync("right-password");
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<KuraException>(() => LogInAsync("wrong-again"));
        }

        // Three in a row: locked, even with the right password, until the duration has passed since the last failure.
        var locked = await Assert.ThrowsAsync<KuraException>(() => LogInAsync("right-password"));
        Assert.Equal(ErrorKind.Unauthorized, locked.Kind);
        Assert.StartsWith("The account is locked for user: ", locked.Explanation, StringComparison.Ordinal);
        _clock.Advance(TimeSpan.FromMinutes(9));
        await Assert.ThrowsAsync<KuraException>(() => LogInAsync("right-password"));
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("admin", (await LogInAsync("right-password")).Name);

        Assert.Contains(log.Lines, l => l.Contains("3 consecutive failures", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Contains("locked out", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Lines, l => l.Contains("wrong", StringComparison.Ordinal) || l.Contains("right-password", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_lockout_setting_failures_never_lock()
    {
        await _ids.BootstrapAsync("pw", CancellationToken.None);
        for (var i = 0; i < 10; i++)
        {
            await Assert.ThrowsAsync<KuraException>(() => _ids.AuthenticatePasswordAsync(null, "admin", "default", null, "bad", CancellationToken.None));
        }

        Assert.Equal("admin", (await _ids.AuthenticatePasswordAsync(null, "admin", "default", null, "pw", CancellationToken.None)).Name);
    }
}
