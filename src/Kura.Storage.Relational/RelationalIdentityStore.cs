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
    private const string TokenColumns = "digest, user_id, project_id, methods, issued_at, expires_at, audit_ids";

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

    public async Task<bool> DeleteRoleAsync(string id, CancellationToken ct) =>
        await ChangeAsync("DELETE FROM roles WHERE id = @a", ct, id) > 0;

    public Task AddAssignmentAsync(RoleAssignment a, CancellationToken ct) =>
        ExecuteAsync("INSERT INTO role_assignments (user_id, project_id, role_id) VALUES (@a, @b, @c) ON CONFLICT DO NOTHING", ct, a.UserId, a.ProjectId, a.RoleId);

    public async Task<bool> RemoveAssignmentAsync(RoleAssignment a, CancellationToken ct) =>
        await ChangeAsync("DELETE FROM role_assignments WHERE user_id = @a AND project_id = @b AND role_id = @c", ct, a.UserId, a.ProjectId, a.RoleId) > 0;

    public Task<IReadOnlyList<RoleAssignment>> ListAssignmentsAsync(AssignmentFilter f, CancellationToken ct) =>
        ListAsync("""
            SELECT user_id, project_id, role_id FROM role_assignments
            WHERE (@a IS NULL OR user_id = @a) AND (@b IS NULL OR project_id = @b) AND (@c IS NULL OR role_id = @c)
            ORDER BY project_id, user_id, role_id
            """, r => new RoleAssignment(r.GetString(0), r.GetString(1), r.GetString(2)), ct, f.UserId, f.ProjectId, f.RoleId);

    public Task<IReadOnlyList<Role>> ListRolesForAsync(string userId, string projectId, CancellationToken ct) =>
        ListAsync("""
            SELECT r.id, r.name, r.description FROM role_assignments a JOIN roles r ON r.id = a.role_id
            WHERE a.user_id = @a AND a.project_id = @b ORDER BY r.name
            """, ReadRole, ct, userId, projectId);

    public Task AddTokenAsync(TokenRecord t, CancellationToken ct) =>
        ExecuteAsync($"INSERT INTO tokens ({TokenColumns}) VALUES (@a, @b, @c, @d, @e, @f, @g)", ct,
            t.Digest, t.UserId, t.ProjectId, string.Join(',', t.Methods), Micros.From(t.IssuedAt), Micros.From(t.ExpiresAt), string.Join(',', t.AuditIds));

    public Task<TokenRecord?> FindTokenAsync(string digest, CancellationToken ct) =>
        SingleAsync($"SELECT {TokenColumns} FROM tokens WHERE digest = @a AND revoked = {_d.False}", r => new TokenRecord(
            r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3).Split(','),
            Micros.To(r.GetInt64(4)), Micros.To(r.GetInt64(5)), r.GetString(6).Split(',')), ct, digest);

    public Task<TokenInfo?> FindTokenInfoAsync(string digest, CancellationToken ct) =>
        SingleAsync($"""
            SELECT t.digest, t.user_id, t.project_id, t.methods, t.issued_at, t.expires_at, t.audit_ids,
                   u.id, u.name, u.domain_id, u.enabled, u.default_project_id, u.email, u.description,
                   ud.id, ud.name, ud.description, ud.enabled,
                   p.id, p.name, p.domain_id, p.description, p.enabled,
                   pd.id, pd.name, pd.description, pd.enabled,
                   {_d.TokenRolesJson}
            FROM tokens t
            JOIN users u ON u.id = t.user_id
            JOIN domains ud ON ud.id = u.domain_id
            LEFT JOIN projects p ON p.id = t.project_id
            LEFT JOIN domains pd ON pd.id = p.domain_id
            WHERE t.digest = @a AND t.revoked = {_d.False}
            """, r =>
        {
            var token = new TokenRecord(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3).Split(','),
                Micros.To(r.GetInt64(4)), Micros.To(r.GetInt64(5)), r.GetString(6).Split(','));
            var user = new User(r.GetString(7), r.GetString(8), r.GetString(9), r.GetBoolean(10),
                r.IsDBNull(11) ? null : r.GetString(11), r.IsDBNull(12) ? null : r.GetString(12), r.IsDBNull(13) ? null : r.GetString(13));
            var userDomain = new IdentityDomain(r.GetString(14), r.GetString(15), r.GetString(16), r.GetBoolean(17));
            Project? project = r.IsDBNull(18) ? null : new Project(r.GetString(18), r.GetString(19), r.GetString(20), r.GetString(21), r.GetBoolean(22));
            IdentityDomain? projectDomain = r.IsDBNull(23) ? null : new IdentityDomain(r.GetString(23), r.GetString(24), r.GetString(25), r.GetBoolean(26));
            using var roles = System.Text.Json.JsonDocument.Parse(r.GetString(27));
            var list = roles.RootElement.EnumerateArray().Select(x => new Role(x[0].GetString()!, x[1].GetString()!, null, null)).ToList();
            return new TokenInfo(token, user, userDomain, project, projectDomain, list);
        }, ct, digest);

    public async Task<bool> RevokeTokenAsync(string digest, CancellationToken ct) =>
        await ChangeAsync($"UPDATE tokens SET revoked = {_d.True} WHERE digest = @a AND revoked = {_d.False}", ct, digest) > 0;

    public Task RevokeTokensOfUserAsync(string userId, CancellationToken ct) =>
        ChangeAsync($"UPDATE tokens SET revoked = {_d.True} WHERE user_id = @a", ct, userId);

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
