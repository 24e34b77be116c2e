using System.Data.Common;
using Kura.Identity;

namespace Kura.Storage.Relational;

/// <summary>
/// The built-in identity service's tables in a relational database. Every value reaches SQL as a parameter. Writes
/// that can invalidate a validated token (revocation, a disabled user or project, a removed role) are announced
/// with the dialect's <see cref="SqlDialect.IdentityChanged"/> (PostgreSQL's NOTIFY), so that every node drops its
/// token cache at once.
/// </summary>
public sealed class RelationalIdentityStore(RelationalDatabase db) : IIdentityStore
{
    private readonly SqlDialect _d = db.Dialect;

    private const string ProjectColumns = "id, name, domain_id, description, enabled, appkey";
    private const string UserColumns = "id, name, domain_id, enabled, default_project_id, email, description, password_hash, failed_auth_count, failed_auth_at";
    private string RevokeUserTokens => $"UPDATE tokens SET revoked = {_d.True} WHERE user_id = @a";

    private const string TokenColumns = "digest, user_id, project_id, methods, issued_at, expires_at, audit_ids, domain_id, app_cred_id";

    public Task<IdentityDomain?> FindDomainAsync(string id, CancellationToken ct) =>
        SingleAsync("SELECT id, name, description, enabled FROM domains WHERE id = @a", ReadDomain, ct, id);

    public Task<IdentityDomain?> FindDomainByNameAsync(string name, CancellationToken ct) =>
        SingleAsync("SELECT id, name, description, enabled FROM domains WHERE name = @a", ReadDomain, ct, name);

    public Task<IReadOnlyList<IdentityDomain>> ListDomainsAsync(CancellationToken ct) =>
        ListAsync("SELECT id, name, description, enabled FROM domains ORDER BY name", ReadDomain, ct);

    public Task<bool> TryAddDomainAsync(IdentityDomain d, CancellationToken ct) =>
        TryInsertAsync("INSERT INTO domains (id, name, description, enabled) VALUES (@a, @b, @c, @d)", ct, d.Id, d.Name, d.Description, d.Enabled);

    public Task<Project?> FindProjectAsync(string id, CancellationToken ct) =>
        SingleAsync($"SELECT {ProjectColumns} FROM projects WHERE id = @a", ReadProject, ct, id);

    public Task<Project?> FindProjectByNameAsync(string domainId, string name, CancellationToken ct) =>
        SingleAsync($"SELECT {ProjectColumns} FROM projects WHERE domain_id = @a AND name = @b", ReadProject, ct, domainId, name);

    public Task<Project?> FindProjectByAppkeyAsync(string appkey, CancellationToken ct) =>
        SingleAsync($"SELECT {ProjectColumns} FROM projects WHERE appkey = @a", ReadProject, ct, appkey);

    public Task<IReadOnlyList<Project>> ListProjectsAsync(string? name, string? domainId, CancellationToken ct) =>
        ListAsync($"SELECT {ProjectColumns} FROM projects WHERE (@a IS NULL OR name = @a) AND (@b IS NULL OR domain_id = @b) ORDER BY name, id", ReadProject, ct, name, domainId);

    public Task<bool> TryAddProjectAsync(Project p, CancellationToken ct) =>
        TryInsertAsync($"INSERT INTO projects ({ProjectColumns}) VALUES (@a, @b, @c, @d, @e, @f)", ct, p.Id, p.Name, p.DomainId, p.Description, p.Enabled, p.Appkey);

    public Task<bool> TryUpdateProjectAsync(Project p, CancellationToken ct) =>
        TryChangeAsync("UPDATE projects SET name = @b, description = @c, enabled = @d, appkey = @e WHERE id = @a", ct, p.Id, p.Name, p.Description, p.Enabled, p.Appkey);

    public async Task<bool> DeleteProjectAsync(string id, CancellationToken ct) =>
        await ChangeAsync("DELETE FROM projects WHERE id = @a", ct, id) > 0;

    public Task<User?> FindUserAsync(string id, CancellationToken ct) =>
        SingleAsync($"SELECT {UserColumns} FROM users WHERE id = @a", ReadUser, ct, id);

    public Task<User?> FindUserByNameAsync(string domainId, string name, CancellationToken ct) =>
        SingleAsync($"SELECT {UserColumns} FROM users WHERE domain_id = @a AND name = @b", ReadUser, ct, domainId, name);

    public Task<IReadOnlyList<User>> ListUsersAsync(string? name, string? domainId, CancellationToken ct) =>
        ListAsync($"SELECT {UserColumns} FROM users WHERE (@a IS NULL OR name = @a) AND (@b IS NULL OR domain_id = @b) ORDER BY name, id", ReadUser, ct, name, domainId);

    public Task<bool> TryAddUserAsync(User u, CancellationToken ct) =>
        TryInsertAsync($"INSERT INTO users (id, name, domain_id, enabled, default_project_id, email, description, password_hash) VALUES (@a, @b, @c, @d, @e, @f, @g, @h)", ct,
            u.Id, u.Name, u.DomainId, u.Enabled, u.DefaultProjectId, u.Email, u.Description, u.PasswordHash);

    public Task<bool> TryUpdateUserAsync(User u, CancellationToken ct) =>
        TryChangeAsync("""
            UPDATE users SET name = @b, enabled = @d, default_project_id = @e, email = @f, description = @g, password_hash = @h
            WHERE id = @a AND domain_id = @c
            """, ct, u.Id, u.Name, u.DomainId, u.Enabled, u.DefaultProjectId, u.Email, u.Description, u.PasswordHash);

    public async Task<bool> DeleteUserAsync(string id, CancellationToken ct) =>
        await ChangeAsync("DELETE FROM users WHERE id = @a", ct, id) > 0;

    public async Task<bool> SetPasswordAndRevokeTokensAsync(string userId, string passwordHash, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        await using var tx = await session.BeginTransactionAsync(ct);
        var changed = await session.Command($"UPDATE users SET password_hash = @b WHERE id = @a AND enabled = {_d.True}", tx)
            .BindPositional([userId, passwordHash]).ExecuteNonQueryAsync(ct);
        if (changed == 0)
        {
            await tx.RollbackAsync(CancellationToken.None);
            return false;
        }

        await session.Command(RevokeUserTokens, tx).BindPositional([userId]).ExecuteNonQueryAsync(ct);
        if (_d.IdentityChanged is { } notice)
        {
            // Delivered at commit, so no node forgets before the revocation is visible.
            await session.Command(notice, tx).ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return true;
    }

    public async Task<int> RecordAuthFailureAsync(string userId, DateTimeOffset at, DateTimeOffset resetBefore, CancellationToken ct) =>
        (await ListAsync("""
            UPDATE users SET failed_auth_count = CASE WHEN failed_auth_at IS NULL OR failed_auth_at < @c THEN 1 ELSE failed_auth_count + 1 END,
                failed_auth_at = @b
            WHERE id = @a
            RETURNING failed_auth_count
            """, r => r.GetInt32(0), ct, userId, Micros.From(at), Micros.From(resetBefore))).SingleOrDefault();

    public Task ResetAuthFailuresAsync(string userId, CancellationToken ct) =>
        ExecuteAsync("UPDATE users SET failed_auth_count = 0, failed_auth_at = NULL WHERE id = @a", ct, userId);

    public Task<Role?> FindRoleAsync(string id, CancellationToken ct) =>
        SingleAsync("SELECT id, name, description FROM roles WHERE id = @a", ReadRole, ct, id);

    public Task<Role?> FindRoleByNameAsync(string name, CancellationToken ct) =>
        SingleAsync("SELECT id, name, description FROM roles WHERE name = @a", ReadRole, ct, name);

    public Task<IReadOnlyList<Role>> ListRolesAsync(string? name, CancellationToken ct) =>
        ListAsync("SELECT id, name, description FROM roles WHERE (@a IS NULL OR name = @a) ORDER BY name", ReadRole, ct, name);

    public Task<bool> TryAddRoleAsync(Role r, CancellationToken ct) =>
        TryInsertAsync("INSERT INTO roles (id, name, description) VALUES (@a, @b, @c)", ct, r.Id, r.Name, r.Description);

    /// <summary>As Keystone, the application credentials that held the role go with it (and their tokens).</summary>
    public async Task<bool> DeleteRoleAsync(string id, CancellationToken ct)
    {
        await ExecuteAsync("DELETE FROM application_credentials WHERE id IN (SELECT credential_id FROM application_credential_roles WHERE role_id = @a)", ct, id);
        return await ChangeAsync("DELETE FROM roles WHERE id = @a", ct, id) > 0;
    }

    // ---- groups --------------------------------------------------------------------------------------------

    private const string GroupColumns = "id, name, domain_id, description";

    public Task<Group?> FindGroupAsync(string id, CancellationToken ct) =>
        SingleAsync($"SELECT {GroupColumns} FROM user_groups WHERE id = @a", ReadGroup, ct, id);

    public Task<IReadOnlyList<Group>> ListGroupsAsync(string? name, string? domainId, CancellationToken ct) =>
        ListAsync($"SELECT {GroupColumns} FROM user_groups WHERE (@a IS NULL OR name = @a) AND (@b IS NULL OR domain_id = @b) ORDER BY name, id", ReadGroup, ct, name, domainId);

    public Task<bool> TryAddGroupAsync(Group g, CancellationToken ct) =>
        TryInsertAsync($"INSERT INTO user_groups ({GroupColumns}) VALUES (@a, @b, @c, @d)", ct, g.Id, g.Name, g.DomainId, g.Description);

    public Task<bool> TryUpdateGroupAsync(Group g, CancellationToken ct) =>
        TryChangeAsync("UPDATE user_groups SET name = @b, description = @c WHERE id = @a", ct, g.Id, g.Name, g.Description);

    public async Task<bool> DeleteGroupAsync(string id, CancellationToken ct) =>
        await ChangeAsync("DELETE FROM user_groups WHERE id = @a", ct, id) > 0;

    public Task AddGroupMemberAsync(string groupId, string userId, CancellationToken ct) =>
        ChangeAsync("INSERT INTO group_members (group_id, user_id) VALUES (@a, @b) ON CONFLICT DO NOTHING", ct, groupId, userId);

    public async Task<bool> RemoveGroupMemberAsync(string groupId, string userId, CancellationToken ct) =>
        await ChangeAsync("DELETE FROM group_members WHERE group_id = @a AND user_id = @b", ct, groupId, userId) > 0;

    public Task<IReadOnlyList<User>> ListGroupMembersAsync(string groupId, CancellationToken ct) =>
        ListAsync($"SELECT {Prefixed("u", UserColumns)} FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = @a ORDER BY u.name, u.id", ReadUser, ct, groupId);

    public Task<IReadOnlyList<Group>> ListGroupsOfUserAsync(string userId, CancellationToken ct) =>
        ListAsync($"SELECT {Prefixed("g", GroupColumns)} FROM group_members m JOIN user_groups g ON g.id = m.group_id WHERE m.user_id = @a ORDER BY g.name, g.id", ReadGroup, ct, userId);

    // ---- role assignments ----------------------------------------------------------------------------------

    /// <summary>Each kind of assignment has its own table (so that deletes cascade): its name and its two key columns.</summary>
    private static (string Table, string Actor, string Target) TableOf(AssignmentKind kind) => kind switch
    {
        AssignmentKind.UserProject => ("role_assignments", "user_id", "project_id"),
        AssignmentKind.GroupProject => ("group_project_roles", "group_id", "project_id"),
        AssignmentKind.UserDomain => ("user_domain_roles", "user_id", "domain_id"),
        _ => ("group_domain_roles", "group_id", "domain_id"),
    };

    public Task AddAssignmentAsync(RoleAssignment a, CancellationToken ct)
    {
        var (table, actor, target) = TableOf(a.Kind);
        return ExecuteAsync($"INSERT INTO {table} ({actor}, {target}, role_id) VALUES (@a, @b, @c) ON CONFLICT DO NOTHING", ct, a.ActorId, a.TargetId, a.RoleId);
    }

    public async Task<bool> RemoveAssignmentAsync(RoleAssignment a, CancellationToken ct)
    {
        var (table, actor, target) = TableOf(a.Kind);
        return await ChangeAsync($"DELETE FROM {table} WHERE {actor} = @a AND {target} = @b AND role_id = @c", ct, a.ActorId, a.TargetId, a.RoleId) > 0;
    }

    public Task<IReadOnlyList<RoleAssignment>> ListAssignmentsAsync(AssignmentFilter f, CancellationToken ct)
    {
        // @a user, @b group, @c project, @d domain, @e role: a kind takes part only when no filter excludes it.
        var parts = Enum.GetValues<AssignmentKind>().Select(kind =>
        {
            var (table, actor, target) = TableOf(kind);
            var (actorParam, otherActor) = kind is AssignmentKind.UserProject or AssignmentKind.UserDomain ? ("@a", "@b") : ("@b", "@a");
            var (targetParam, otherTarget) = kind is AssignmentKind.UserProject or AssignmentKind.GroupProject ? ("@c", "@d") : ("@d", "@c");
            return $"""
                SELECT {(int)kind} AS kind, {actor} AS actor, {target} AS target, role_id FROM {table}
                WHERE {otherActor} IS NULL AND {otherTarget} IS NULL AND ({actorParam} IS NULL OR {actor} = {actorParam})
                  AND ({targetParam} IS NULL OR {target} = {targetParam}) AND (@e IS NULL OR role_id = @e)
                """;
        });
        return ListAsync(string.Join("\nUNION ALL\n", parts) + "\nORDER BY kind, target, actor, role_id",
            r => new RoleAssignment(r.GetString(1), r.GetString(2), r.GetString(3), (AssignmentKind)r.GetInt32(0)),
            ct, f.UserId, f.GroupId, f.ProjectId, f.DomainId, f.RoleId);
    }

    /// <summary>The ids of the roles user <paramref name="user"/> holds on project <paramref name="project"/> or domain <paramref name="domain"/>, directly or through a group (SQL expressions).</summary>
    private static string EffectiveRoleIds(string user, string project, string domain) => $"""
        SELECT a.role_id FROM role_assignments a WHERE a.user_id = {user} AND a.project_id = {project}
        UNION SELECT gp.role_id FROM group_project_roles gp JOIN group_members gm ON gm.group_id = gp.group_id
              WHERE gm.user_id = {user} AND gp.project_id = {project}
        UNION SELECT ud.role_id FROM user_domain_roles ud WHERE ud.user_id = {user} AND ud.domain_id = {domain}
        UNION SELECT gd.role_id FROM group_domain_roles gd JOIN group_members gn ON gn.group_id = gd.group_id
              WHERE gn.user_id = {user} AND gd.domain_id = {domain}
        """;

    public Task<IReadOnlyList<Role>> ListRolesForAsync(string userId, string projectId, CancellationToken ct) =>
        ListAsync($"SELECT r.id, r.name, r.description FROM roles r WHERE r.id IN ({EffectiveRoleIds("@a", "@b", "NULL")}) ORDER BY r.name", ReadRole, ct, userId, projectId);

    public Task<IReadOnlyList<Role>> ListDomainRolesForAsync(string userId, string domainId, CancellationToken ct) =>
        ListAsync($"SELECT r.id, r.name, r.description FROM roles r WHERE r.id IN ({EffectiveRoleIds("@a", "NULL", "@b")}) ORDER BY r.name", ReadRole, ct, userId, domainId);

    // ---- application credentials ---------------------------------------------------------------------------

    public async Task<bool> TryAddApplicationCredentialAsync(ApplicationCredential c, CancellationToken ct)
    {
        await using var session = await db.SessionAsync(ct);
        await using var tx = await session.BeginTransactionAsync(ct);
        try
        {
            await session.Command("""
                INSERT INTO application_credentials (id, name, user_id, project_id, secret_hash, description, expires_at, unrestricted)
                VALUES (@a, @b, @c, @d, @e, @f, @x, @g)
                """, tx).BindPositional([c.Id, c.Name, c.UserId, c.ProjectId, c.SecretHash, c.Description, c.Unrestricted])
                .BindInt64("@x", c.ExpiresAt is { } e ? Micros.From(e) : null)
                .ExecuteNonQueryAsync(ct);
            foreach (var role in c.Roles)
            {
                await session.Command("INSERT INTO application_credential_roles (credential_id, role_id) VALUES (@a, @b) ON CONFLICT DO NOTHING", tx)
                    .BindPositional([c.Id, role.Id]).ExecuteNonQueryAsync(ct);
            }

            await tx.CommitAsync(ct);
            return true;
        }
        catch (Exception ex) when (_d.IsUniqueViolation(ex))
        {
            await tx.RollbackAsync(CancellationToken.None);
            return false;
        }
    }

    public async Task<ApplicationCredential?> FindApplicationCredentialAsync(string id, CancellationToken ct) =>
        (await CredentialsAsync("c.id = @a", ct, id)).FirstOrDefault();

    public async Task<ApplicationCredential?> FindApplicationCredentialByNameAsync(string userId, string name, CancellationToken ct) =>
        (await CredentialsAsync("c.user_id = @a AND c.name = @b", ct, userId, name)).FirstOrDefault();

    public Task<IReadOnlyList<ApplicationCredential>> ListApplicationCredentialsAsync(string userId, string? name, CancellationToken ct) =>
        CredentialsAsync("c.user_id = @a AND (@b IS NULL OR c.name = @b)", ct, userId, name);

    public async Task<bool> DeleteApplicationCredentialAsync(string id, CancellationToken ct) =>
        await ChangeAsync("DELETE FROM application_credentials WHERE id = @a", ct, id) > 0;

    public Task<int> DeleteApplicationCredentialsOfUserAsync(string userId, string? projectId, CancellationToken ct) =>
        ChangeAsync("DELETE FROM application_credentials WHERE user_id = @a AND (@b IS NULL OR project_id = @b)", ct, userId, projectId);

    /// <summary>The credentials matching <paramref name="where"/> (over <c>c</c>) with their roles, in one query.</summary>
    private async Task<IReadOnlyList<ApplicationCredential>> CredentialsAsync(string where, CancellationToken ct, params object?[] args)
    {
        var rows = await ListAsync($"""
            SELECT c.id, c.name, c.user_id, c.project_id, c.description, c.expires_at, c.unrestricted, c.secret_hash, r.id, r.name
            FROM application_credentials c
            LEFT JOIN application_credential_roles cr ON cr.credential_id = c.id
            LEFT JOIN roles r ON r.id = cr.role_id
            WHERE {where}
            ORDER BY c.name, c.id, r.name
            """, r => (Credential: new ApplicationCredential(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.NullableString(4),
                r.IsDBNull(5) ? null : Micros.To(r.GetInt64(5)), r.GetBoolean(6), [])
        { SecretHash = r.GetString(7) },
                Role: r.IsDBNull(8) ? null : new Role(r.GetString(8), r.GetString(9), null, null)), ct, args);
        return rows.GroupBy(x => x.Credential.Id)
            .Select(g => g.First().Credential with { Roles = g.Where(x => x.Role is not null).Select(x => x.Role!).ToList() })
            .ToList();
    }

    public Task AddTokenAsync(TokenRecord t, CancellationToken ct) =>
        ExecuteAsync($"INSERT INTO tokens ({TokenColumns}) VALUES (@a, @b, @c, @d, @e, @f, @g, @h, @i)", ct,
            t.Digest, t.UserId, t.ProjectId, string.Join(',', t.Methods), Micros.From(t.IssuedAt), Micros.From(t.ExpiresAt), string.Join(',', t.AuditIds),
            t.DomainId, t.ApplicationCredentialId);

    public Task<TokenRecord?> FindTokenAsync(string digest, CancellationToken ct) =>
        SingleAsync($"SELECT {TokenColumns} FROM tokens WHERE digest = @a AND revoked = {_d.False}", ReadToken, ct, digest);

    private static TokenRecord ReadToken(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.NullableString(2), r.GetString(3).Split(','), Micros.To(r.GetInt64(4)), Micros.To(r.GetInt64(5)), r.GetString(6).Split(','))
        {
            DomainId = r.NullableString(7),
            ApplicationCredentialId = r.NullableString(8),
        };

    public Task<TokenInfo?> FindTokenInfoAsync(string digest, CancellationToken ct) =>
        SingleAsync($"""
            SELECT t.digest, t.user_id, t.project_id, t.methods, t.issued_at, t.expires_at, t.audit_ids, t.domain_id, t.app_cred_id,
                   u.id, u.name, u.domain_id, u.enabled, u.default_project_id, u.email, u.description,
                   ud.id, ud.name, ud.description, ud.enabled,
                   p.id, p.name, p.domain_id, p.description, p.enabled,
                   pd.id, pd.name, pd.description, pd.enabled,
                   sd.id, sd.name, sd.description, sd.enabled,
                   ac.id, ac.name, ac.project_id, ac.description, ac.expires_at, ac.unrestricted,
                   {_d.RolesJson($"""
                       SELECT r.id, r.name FROM roles r
                       WHERE r.id IN ({EffectiveRoleIds("t.user_id", "t.project_id", "t.domain_id")})
                         AND (t.app_cred_id IS NULL OR r.id IN (SELECT cr.role_id FROM application_credential_roles cr WHERE cr.credential_id = t.app_cred_id))
                       """)}
            FROM tokens t
            JOIN users u ON u.id = t.user_id
            JOIN domains ud ON ud.id = u.domain_id
            LEFT JOIN projects p ON p.id = t.project_id
            LEFT JOIN domains pd ON pd.id = p.domain_id
            LEFT JOIN domains sd ON sd.id = t.domain_id
            LEFT JOIN application_credentials ac ON ac.id = t.app_cred_id
            WHERE t.digest = @a AND t.revoked = {_d.False}
            """, r =>
        {
            var token = ReadToken(r);
            var user = new User(r.GetString(9), r.GetString(10), r.GetString(11), r.GetBoolean(12), r.NullableString(13), r.NullableString(14), r.NullableString(15));
            var userDomain = new IdentityDomain(r.GetString(16), r.GetString(17), r.GetString(18), r.GetBoolean(19));
            Project? project = r.IsDBNull(20) ? null : new Project(r.GetString(20), r.GetString(21), r.GetString(22), r.GetString(23), r.GetBoolean(24));
            IdentityDomain? projectDomain = r.IsDBNull(25) ? null : new IdentityDomain(r.GetString(25), r.GetString(26), r.GetString(27), r.GetBoolean(28));
            IdentityDomain? scopeDomain = r.IsDBNull(29) ? null : new IdentityDomain(r.GetString(29), r.GetString(30), r.GetString(31), r.GetBoolean(32));
            using var roles = System.Text.Json.JsonDocument.Parse(r.GetString(39));
            var list = roles.RootElement.EnumerateArray().Select(x => new Role(x[0].GetString()!, x[1].GetString()!, null, null)).ToList();
            var credential = r.IsDBNull(33) ? null : new ApplicationCredential(r.GetString(33), r.GetString(34), user.Id, r.GetString(35), r.NullableString(36),
                r.IsDBNull(37) ? null : Micros.To(r.GetInt64(37)), r.GetBoolean(38), list);
            return new TokenInfo(token, user, userDomain, project, projectDomain, list) { Domain = scopeDomain, ApplicationCredential = credential };
        }, ct, digest);

    public async Task<bool> RevokeTokenAsync(string digest, CancellationToken ct) =>
        await ChangeAsync($"UPDATE tokens SET revoked = {_d.True} WHERE digest = @a AND revoked = {_d.False}", ct, digest) > 0;

    public Task RevokeTokensOfUserAsync(string userId, CancellationToken ct) =>
        ChangeAsync(RevokeUserTokens, ct, userId);

    public Task<int> DeleteExpiredTokensAsync(DateTimeOffset before, CancellationToken ct) =>
        ExecuteAsync("DELETE FROM tokens WHERE expires_at < @a", ct, Micros.From(before));

    // ---- plumbing: positional parameters @a, @b, … ---------------------------------------------------------

    private Task<int> ExecuteAsync(string sql, CancellationToken ct, params object?[] args) => WriteAsync(sql, announce: false, ct, args);

    /// <summary>A write that may invalidate validated tokens: executed, then announced to every node.</summary>
    private Task<int> ChangeAsync(string sql, CancellationToken ct, params object?[] args) => WriteAsync(sql, announce: true, ct, args);

    private async Task<int> WriteAsync(string sql, bool announce, CancellationToken ct, object?[] args)
    {
        await using var session = await db.SessionAsync(ct);
        var changed = await session.Command(sql).BindPositional(args).ExecuteNonQueryAsync(ct);
        if (announce && _d.IdentityChanged is { } notice)
        {
            await session.Command(notice).ExecuteNonQueryAsync(ct);
        }

        return changed;
    }

    private Task<bool> TryInsertAsync(string sql, CancellationToken ct, params object?[] args) => UnlessDuplicateAsync(ExecuteAsync(sql, ct, args));

    private Task<bool> TryChangeAsync(string sql, CancellationToken ct, params object?[] args) => UnlessDuplicateAsync(ChangeAsync(sql, ct, args));

    /// <summary>True when the write changed a row; false when it changed none or would have duplicated a unique key.</summary>
    private async Task<bool> UnlessDuplicateAsync(Task<int> write)
    {
        try
        {
            return await write > 0;
        }
        catch (Exception ex) when (_d.IsUniqueViolation(ex))
        {
            return false;
        }
    }

    private async Task<T?> SingleAsync<T>(string sql, Func<DbDataReader, T> read, CancellationToken ct, params object?[] args)
        where T : class
    {
        var list = await ListAsync(sql, read, ct, args);
        return list.Count > 0 ? list[0] : null;
    }

    private async Task<IReadOnlyList<T>> ListAsync<T>(string sql, Func<DbDataReader, T> read, CancellationToken ct, params object?[] args)
    {
        await using var session = await db.SessionAsync(ct);
        var cmd = session.Command(sql).BindPositional(args);
        var result = new List<T>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(read(reader));
        }

        return result;
    }

    private static IdentityDomain ReadDomain(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetBoolean(3));

    private static Project ReadProject(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetBoolean(4)) { Appkey = r.IsDBNull(5) ? null : r.GetString(5) };

    private static Group ReadGroup(DbDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3));

    private static string Prefixed(string alias, string columns) => string.Join(", ", columns.Split(", ").Select(c => alias + "." + c));

    private static Role ReadRole(DbDataReader r) => new(r.GetString(0), r.GetString(1), null, r.IsDBNull(2) ? null : r.GetString(2));

    private static User ReadUser(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetBoolean(3),
            r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6))
        {
            PasswordHash = r.IsDBNull(7) ? null : r.GetString(7),
            FailedAuthCount = r.GetInt32(8),
            FailedAuthAt = r.IsDBNull(9) ? null : Micros.To(r.GetInt64(9)),
        };
}
