using Kura.Domain;
using Kura.Identity;
using Kura.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kura.Tests.Identity;

/// <summary>
/// Identity administration's own authorization, decided by the service and not by a handler: the admin does
/// everything; a member or reader of a project, or another project's user, nothing but read their own user record and
/// list their own projects; and a refused call changes nothing.
/// </summary>
public sealed class IdentityAdminServiceTests : IAsyncLifetime
{
    private readonly TestDatabase _db = new TestDatabase.Sqlite();
    private IdentityService _ids = null!;
    private IdentityAdminService _admin = null!;
    private TokenInfo _adminToken = null!;
    private readonly Dictionary<string, TokenInfo> _tokens = [];

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        _ids = new IdentityService(_db.Identity, new IdentityOptions { PasswordIterations = 1000 }, TimeProvider.System, NullLogger<IdentityService>.Instance);
        _admin = new IdentityAdminService(_ids);
        await _ids.BootstrapAsync("pw", CancellationToken.None);
        _adminToken = await TokenAsync("admin", "pw", "admin");
        var project = await _admin.CreateProjectAsync(_adminToken, "team", null, null, true, null, CancellationToken.None);
        var other = await _admin.CreateProjectAsync(_adminToken, "elsewhere", null, null, true, null, CancellationToken.None);
        foreach (var (name, projectId, role) in new[] { ("member", project.Id, "member"), ("reader", project.Id, "reader"), ("stranger", other.Id, "member") })
        {
            var user = await _admin.CreateUserAsync(_adminToken, name, null, name + "-pw", null, null, null, true, CancellationToken.None);
            var roleId = (await _admin.ListRolesAsync(_adminToken, role, CancellationToken.None)).Single().Id;
            await _admin.GrantAsync(_adminToken, new RoleAssignment(user.Id, projectId, roleId), CancellationToken.None);
            _tokens[name] = await TokenAsync(name, name + "-pw", projectId == project.Id ? "team" : "elsewhere");
        }
    }

    public Task DisposeAsync() => _db.DisposeAsync();

    /// <summary>A member and a reader of the project, and a member of another project.</summary>
    public static TheoryData<string> NonAdmins => new() { "member", "reader", "stranger" };

    private async Task<TokenInfo> TokenAsync(string user, string password, string project)
    {
        var u = await _ids.AuthenticatePasswordAsync(null, user, "default", null, password, CancellationToken.None);
        var p = await _ids.ResolveScopeProjectAsync(null, project, null, "Default", CancellationToken.None);
        var (secret, _) = await _ids.IssueAsync(u, p, ["password"], null, CancellationToken.None);
        return (await _ids.ValidateAsync(secret, CancellationToken.None))!;
    }

    [Theory]
    [MemberData(nameof(NonAdmins))]
    public async Task Only_the_admin_administers_and_a_refusal_changes_nothing(string who)
    {
        var caller = _tokens[who];
        var ct = CancellationToken.None;
        var team = (await _admin.ListProjectsAsync(_adminToken, "team", null, ct)).Single();
        var member = (await _admin.ListUsersAsync(_adminToken, "member", null, ct)).Single();
        var readerRole = (await _admin.ListRolesAsync(_adminToken, "reader", ct)).Single();
        var adminRole = (await _admin.ListRolesAsync(_adminToken, "admin", ct)).Single();
        var calls = new Func<Task>[]
        {
            () => _admin.ListDomainsAsync(caller, null, ct),
            () => _admin.GetDomainAsync(caller, "default", ct),
            () => _admin.ListProjectsAsync(caller, null, null, ct),
            () => _admin.GetProjectAsync(caller, team.Id, ct),
            () => _admin.CreateProjectAsync(caller, "new-" + who, null, null, true, null, ct),
            () => _admin.UpdateProjectAsync(caller, team.Id, "renamed", null, null, null, ct),
            () => _admin.DeleteProjectAsync(caller, team.Id, ct),
            () => _admin.ListUsersAsync(caller, null, null, ct),
            () => _admin.CreateUserAsync(caller, "new-" + who, null, "pw", null, null, null, true, ct),
            () => _admin.UpdateUserAsync(caller, member.Id, null, "stolen", null, null, null, null, ct),
            () => _admin.DeleteUserAsync(caller, member.Id, ct),
            () => _admin.ListRolesAsync(caller, null, ct),
            () => _admin.CreateRoleAsync(caller, "new-" + who, null, ct),
            () => _admin.GetRoleAsync(caller, readerRole.Id, ct),
            () => _admin.DeleteRoleAsync(caller, readerRole.Id, ct),
            () => _admin.ListGrantsAsync(caller, new RoleAssignment(member.Id, team.Id, ""), ct),
            () => _admin.GrantAsync(caller, new RoleAssignment(caller.User.Id, team.Id, adminRole.Id), ct),
            () => _admin.CheckGrantAsync(caller, new RoleAssignment(member.Id, team.Id, readerRole.Id), ct),
            () => _admin.RevokeGrantAsync(caller, new RoleAssignment(member.Id, team.Id, readerRole.Id), ct),
            () => _admin.ListAssignmentsAsync(caller, new AssignmentFilter(null, null, null), false, false, true, ct),
        };
        foreach (var call in calls)
        {
            var ex = await Assert.ThrowsAsync<KuraException>(call);
            Assert.Equal(ErrorKind.Forbidden, ex.Kind);
            Assert.StartsWith("You are not authorized to perform the requested action: identity:", ex.Message, StringComparison.Ordinal);
        }

        // Nothing changed, and the caller still is who it was.
        Assert.Equal("team", (await _admin.GetProjectAsync(_adminToken, team.Id, ct)).Name);
        Assert.NotNull(await _ids.AuthenticatePasswordAsync(null, "member", "default", null, "member-pw", ct));
        Assert.Empty(await _admin.ListProjectsAsync(_adminToken, "new-" + who, null, ct));
        Assert.DoesNotContain(await _admin.ListGrantsAsync(_adminToken, new RoleAssignment(caller.User.Id, team.Id, ""), ct), r => r.Name == "admin");
    }

    [Theory]
    [MemberData(nameof(NonAdmins))]
    public async Task Anyone_reads_their_own_user_and_projects_but_no_one_elses(string who)
    {
        var caller = _tokens[who];
        var ct = CancellationToken.None;
        Assert.Equal(who, (await _admin.GetUserAsync(caller, caller.User.Id, ct)).Name);
        Assert.Equal([caller.Project!.Name], (await _admin.ListUserProjectsAsync(caller, caller.User.Id, ct)).Select(p => p.Name));
        var someoneElse = _tokens[who == "member" ? "reader" : "member"].User.Id;
        Assert.Equal(ErrorKind.Forbidden, (await Assert.ThrowsAsync<KuraException>(() => _admin.GetUserAsync(caller, someoneElse, ct))).Kind);
        Assert.Equal(ErrorKind.Forbidden, (await Assert.ThrowsAsync<KuraException>(() => _admin.ListUserProjectsAsync(caller, someoneElse, ct))).Kind);
    }

    [Fact]
    public async Task The_admin_administers_and_names_assignments()
    {
        var ct = CancellationToken.None;
        var assignments = await _admin.ListAssignmentsAsync(_adminToken, new AssignmentFilter(_tokens["reader"].User.Id, null, null), false, false, true, ct);
        var view = Assert.Single(assignments);
        Assert.Equal(("reader", "reader", "team", "Default"), (view.Role!.Name, view.User!.Name, view.Project!.Name, view.ProjectDomain!.Name));
        Assert.Empty(await _admin.ListAssignmentsAsync(_adminToken, new AssignmentFilter(null, null, null), effective: false, systemScope: true, withNames: false, ct));
        var adminRole = (await _admin.ListRolesAsync(_adminToken, "admin", ct)).Single();
        var missing = await Assert.ThrowsAsync<KuraException>(() => _admin.CheckGrantAsync(_adminToken, new RoleAssignment(_tokens["reader"].User.Id, _tokens["reader"].Project!.Id, adminRole.Id), ct));
        Assert.Equal(ErrorKind.NotFound, missing.Kind);
    }
}
