using System.Security.Cryptography;
using System.Text;
using Kura.Domain;
using Microsoft.Extensions.Logging;

namespace Kura.Identity;

/// <summary>
/// The built-in Keystone subset: password and token authentication, scoped and unscoped tokens, validation and
/// revocation, and the admin operations on projects, users, roles and assignments. Tokens are 256-bit random
/// secrets; only their SHA-256 digests are stored, so a leaked database yields no usable token.
/// </summary>
public sealed partial class IdentityService(IIdentityStore store, IdentityOptions options, TimeProvider clock, ILogger<IdentityService> logger)
{
    public const string DefaultDomainId = "default";
    private const string AuthRequired = "The request you have made requires authentication.";
    private const int CacheLimit = 50_000;
    private readonly PasswordHasher _hasher = new(options.PasswordIterations);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, CachedToken> _cache = new(StringComparer.Ordinal);
    private long _generation;

    private sealed record CachedToken(TokenInfo Info, DateTimeOffset Until, long Generation);

    public IdentityOptions Options => options;

    public IIdentityStore Store => store;

    // ---- authentication ------------------------------------------------------------------------------------

    /// <summary>Checks a password given with the user's id, or its name plus the domain's id or name.</summary>
    public async Task<User> AuthenticatePasswordAsync(string? userId, string? userName, string? domainId, string? domainName, string password, CancellationToken ct)
    {
        User? user = null;
        if (userId is not null)
        {
            user = await store.FindUserAsync(userId, ct);
        }
        else if (userName is not null)
        {
            var domain = await ResolveDomainAsync(domainId, domainName, ct);
            user = domain is null ? null : await store.FindUserByNameAsync(domain.Id, userName, ct);
        }

        var now = clock.GetUtcNow();
        var lockout = options.LockoutFailureAttempts;
        if (user is not null && lockout > 0 && user.FailedAuthCount >= lockout && user.FailedAuthAt > now - options.LockoutDuration)
        {
            // Locked: not even the right password opens it until the lockout has run out (as Keystone).
            LogLockedOut(user.Id);
            throw new KuraException(ErrorKind.Unauthorized, $"The account is locked for user: {user.Id}.");
        }

        // Hash even when the user does not exist, so timing does not tell which user names exist.
        var ok = PasswordHasher.Verify(password, user?.PasswordHash ?? DummyHash);
        if (user is null || !ok || !user.Enabled)
        {
            if (user is not null && lockout > 0)
            {
                var failures = await store.RecordAuthFailureAsync(user.Id, now, now - options.LockoutDuration, ct);
                LogAuthFailedCounted(user.Id, failures, lockout);
            }
            else
            {
                LogAuthFailed(userId ?? userName ?? "?");
            }

            throw Unauthorized();
        }

        if (user.FailedAuthCount > 0)
        {
            await store.ResetAuthFailuresAsync(user.Id, ct);
        }

        return user;
    }

    private static readonly string DummyHash = new PasswordHasher(210_000).Hash(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));

    /// <summary>Finds the project a token should be scoped to, given by id or by name plus domain.</summary>
    public async Task<Project> ResolveScopeProjectAsync(string? projectId, string? projectName, string? domainId, string? domainName, CancellationToken ct)
    {
        Project? project = null;
        if (projectId is not null)
        {
            project = await store.FindProjectAsync(projectId, ct);
        }
        else if (projectName is not null)
        {
            var domain = await ResolveDomainAsync(domainId, domainName, ct);
            project = domain is null ? null : await store.FindProjectByNameAsync(domain.Id, projectName, ct);
        }

        return project is { Enabled: true } ? project : throw Unauthorized();
    }

    /// <summary>
    /// Issues a token for <paramref name="user"/>, scoped to <paramref name="project"/> when given (the user must
    /// hold a role there), and returns the secret, which exists nowhere else after this call.
    /// </summary>
    public async Task<(string Secret, TokenInfo Info)> IssueAsync(User user, Project? project, IReadOnlyList<string> methods, TokenRecord? parent, CancellationToken ct)
    {
        IReadOnlyList<Role> roles = [];
        if (project is not null)
        {
            roles = await store.ListRolesForAsync(user.Id, project.Id, ct);
            if (roles.Count == 0)
            {
                throw Unauthorized();
            }
        }

        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow();
        var now6 = now.AddTicks(-(now.Ticks % 10)); // microsecond precision, as Keystone reports
        var expires = parent is null ? now6 + options.TokenLifetime : parent.ExpiresAt;
        var audit = Base64Url(RandomNumberGenerator.GetBytes(16));
        var auditIds = parent is null ? new[] { audit } : [audit, parent.AuditIds[0]];
        var record = new TokenRecord(Digest(secret), user.Id, project?.Id, methods, now6, expires, auditIds);
        await store.AddTokenAsync(record, ct);

        var info = await DescribeAsync(record.Digest, ct) ?? throw Unauthorized();
        LogIssued(user.Id, project?.Id, audit);
        return (secret, info);
    }

    /// <summary>Validates a token secret; null if it is unknown, revoked, expired, or its user or project is gone or disabled.</summary>
    public async Task<TokenInfo?> ValidateAsync(string? secret, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length > 512)
        {
            return null;
        }

        var digest = Digest(secret);
        var now = clock.GetUtcNow();
        var generation = Interlocked.Read(ref _generation);
        if (_cache.TryGetValue(digest, out var cached) && cached.Generation == generation && now < cached.Until && now < cached.Info.Token.ExpiresAt)
        {
            return cached.Info;
        }

        var info = await DescribeAsync(digest, ct);
        if (info is not null && options.TokenCacheTime > TimeSpan.Zero)
        {
            if (_cache.Count >= CacheLimit)
            {
                _cache.Clear();
            }

            _cache[digest] = new CachedToken(info, now + options.TokenCacheTime, generation);
        }

        if (info is null ||
            !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(info.Token.Digest), Encoding.ASCII.GetBytes(digest)) ||
            info.Token.ExpiresAt <= clock.GetUtcNow())
        {
            return null;
        }

        return info;
    }

    /// <summary>The enabled and disabled projects <paramref name="userId"/> holds any role on.</summary>
    public async Task<IReadOnlyList<Project>> ProjectsOfAsync(string userId, CancellationToken ct)
    {
        var projects = new List<Project>();
        foreach (var projectId in (await store.ListAssignmentsAsync(new AssignmentFilter(userId, null, null), ct)).Select(a => a.ProjectId).Distinct())
        {
            if (await store.FindProjectAsync(projectId, ct) is { } project)
            {
                projects.Add(project);
            }
        }

        return projects;
    }

    public async Task<bool> RevokeAsync(string secret, CancellationToken ct)
    {
        var ok = await store.RevokeTokenAsync(Digest(secret), ct);
        ForgetValidatedTokens();
        if (ok)
        {
            LogRevoked();
        }

        return ok;
    }

    /// <summary>The token with everything a request needs, or null unless its user, project and roles still allow it.</summary>
    private async Task<TokenInfo?> DescribeAsync(string digest, CancellationToken ct)
    {
        var info = await store.FindTokenInfoAsync(digest, ct);
        if (info is null || !info.User.Enabled || !info.UserDomain.Enabled)
        {
            return null;
        }

        if (info.Token.ProjectId is null)
        {
            return info;
        }

        // Roles are read at validation time, so removing a role assignment takes effect at once.
        return info.Project is { Enabled: true } && info.ProjectDomain is not null && info.Roles.Count > 0 ? info : null;
    }

    private async Task<IdentityDomain?> ResolveDomainAsync(string? domainId, string? domainName, CancellationToken ct)
    {
        if (domainId is not null)
        {
            return await store.FindDomainAsync(domainId, ct);
        }

        return domainName is not null ? await store.FindDomainByNameAsync(domainName, ct) : null;
    }

    // ---- administration ------------------------------------------------------------------------------------

    /// <summary>Creates a project; without an <paramref name="appkey"/> it gets a generated one (docs/PROVIDERS.md).</summary>
    public async Task<Project> CreateProjectAsync(string name, string? domainId, string? description, bool enabled, string? appkey, CancellationToken ct)
    {
        CheckName(name, "project");
        domainId ??= DefaultDomainId;
        _ = await store.FindDomainAsync(domainId, ct) ?? throw NotFound("domain", domainId);
        if (appkey is not null)
        {
            await CheckAppkeyAsync(appkey, null, ct);
        }

        var project = new Project(NewId(), name, domainId, description ?? string.Empty, enabled) { Appkey = appkey ?? NewAppkey() };
        return await store.TryAddProjectAsync(project, ct)
            ? project
            : throw Conflict("project", $"it is not permitted to have two projects with the same name in the same domain : {name}");
    }

    public async Task<Project> UpdateProjectAsync(string id, string? name, string? description, bool? enabled, string? appkey, CancellationToken ct)
    {
        var project = await store.FindProjectAsync(id, ct) ?? throw NotFound("project", id);
        if (name is not null)
        {
            CheckName(name, "project");
        }

        if (appkey is not null)
        {
            await CheckAppkeyAsync(appkey, id, ct);
        }

        var updated = project with
        {
            Name = name ?? project.Name,
            Description = description ?? project.Description,
            Enabled = enabled ?? project.Enabled,
            Appkey = appkey ?? project.Appkey ?? NewAppkey(),
        };
        var saved = await store.TryUpdateProjectAsync(updated, ct);
        ForgetValidatedTokens();
        return saved
            ? updated
            : throw Conflict("project", $"it is not permitted to have two projects with the same name in the same domain : {name}");
    }

    /// <summary>The enabled project an NHN v1.0 appkey names, or null when no enabled project has it.</summary>
    public async Task<Project?> FindProjectByAppkeyAsync(string appkey, CancellationToken ct) =>
        IsValidAppkey(appkey) && await store.FindProjectByAppkeyAsync(appkey, ct) is { Enabled: true } project ? project : null;

    /// <summary>An appkey: 1 to 64 characters, letters, digits, <c>-</c> and <c>_</c>, so that it is one URL path segment as is.</summary>
    public static bool IsValidAppkey(string appkey) =>
        appkey.Length is > 0 and <= 64 && appkey.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>32 random hex digits (128 bits), as the migration gives projects that predate appkeys.</summary>
    public static string NewAppkey() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private async Task CheckAppkeyAsync(string appkey, string? projectId, CancellationToken ct)
    {
        if (!IsValidAppkey(appkey))
        {
            throw KuraException.BadRequest("Invalid input for field 'project.appkey': 1 to 64 letters, digits, '-' or '_'.");
        }

        if (await store.FindProjectByAppkeyAsync(appkey, ct) is { } holder && holder.Id != projectId)
        {
            throw Conflict("project", "the appkey is already given to another project.");
        }
    }

    public async Task DeleteProjectAsync(string id, CancellationToken ct)
    {
        var deleted = await store.DeleteProjectAsync(id, ct);
        ForgetValidatedTokens();
        if (!deleted)
        {
            throw NotFound("project", id);
        }
    }

    public async Task<User> CreateUserAsync(string name, string? domainId, string? password, string? defaultProjectId, string? email, string? description, bool enabled, CancellationToken ct)
    {
        CheckName(name, "user");
        domainId ??= DefaultDomainId;
        _ = await store.FindDomainAsync(domainId, ct) ?? throw NotFound("domain", domainId);
        if (defaultProjectId is not null)
        {
            _ = await store.FindProjectAsync(defaultProjectId, ct) ?? throw NotFound("project", defaultProjectId);
        }

        var user = new User(NewId(), name, domainId, enabled, defaultProjectId, email, description)
        {
            PasswordHash = password is null ? null : _hasher.Hash(password),
        };
        return await store.TryAddUserAsync(user, ct)
            ? user
            : throw Conflict("user", $"Duplicate entry found with name {name} at domain ID {domainId}.");
    }

    /// <summary>Changes a user; a new password or disabling the user revokes every token the user holds.</summary>
    public async Task<User> UpdateUserAsync(string id, string? name, string? password, bool? enabled, string? defaultProjectId, string? email, string? description, CancellationToken ct)
    {
        var user = await store.FindUserAsync(id, ct) ?? throw NotFound("user", id);
        if (name is not null)
        {
            CheckName(name, "user");
        }

        var updated = user with
        {
            Name = name ?? user.Name,
            Enabled = enabled ?? user.Enabled,
            DefaultProjectId = defaultProjectId ?? user.DefaultProjectId,
            Email = email ?? user.Email,
            Description = description ?? user.Description,
            PasswordHash = password is null ? user.PasswordHash : _hasher.Hash(password),
        };
        if (!await store.TryUpdateUserAsync(updated, ct))
        {
            throw Conflict("user", $"Duplicate entry found with name {name} at domain ID {user.DomainId}.");
        }

        if (password is not null || enabled == false)
        {
            await store.RevokeTokensOfUserAsync(id, ct);
        }

        ForgetValidatedTokens();
        return updated;
    }

    public async Task DeleteUserAsync(string id, CancellationToken ct)
    {
        var deleted = await store.DeleteUserAsync(id, ct);
        ForgetValidatedTokens();
        if (!deleted)
        {
            throw NotFound("user", id);
        }
    }

    public async Task<Role> CreateRoleAsync(string name, string? description, CancellationToken ct)
    {
        CheckName(name, "role");
        var role = new Role(NewId(), name, null, description);
        return await store.TryAddRoleAsync(role, ct)
            ? role
            : throw Conflict("role", $"Duplicate entry found with name {name}.");
    }

    public async Task DeleteRoleAsync(string id, CancellationToken ct)
    {
        var deleted = await store.DeleteRoleAsync(id, ct);
        ForgetValidatedTokens();
        if (!deleted)
        {
            throw NotFound("role", id);
        }
    }

    public async Task GrantAsync(string projectId, string userId, string roleId, CancellationToken ct)
    {
        await RequireAssignmentPartiesAsync(projectId, userId, roleId, ct);
        await store.AddAssignmentAsync(new RoleAssignment(userId, projectId, roleId), ct);
        ForgetValidatedTokens();
    }

    public async Task RevokeGrantAsync(string projectId, string userId, string roleId, CancellationToken ct)
    {
        await RequireAssignmentPartiesAsync(projectId, userId, roleId, ct);
        var removed = await store.RemoveAssignmentAsync(new RoleAssignment(userId, projectId, roleId), ct);
        ForgetValidatedTokens();
        if (!removed)
        {
            throw KuraException.NotFound($"Could not find role assignment with role: {roleId}, user or group: {userId}, project, domain, or system: {projectId}.");
        }
    }

    public async Task<bool> HasGrantAsync(string projectId, string userId, string roleId, CancellationToken ct)
    {
        await RequireAssignmentPartiesAsync(projectId, userId, roleId, ct);
        var found = await store.ListAssignmentsAsync(new AssignmentFilter(userId, projectId, roleId), ct);
        return found.Count > 0;
    }

    private async Task RequireAssignmentPartiesAsync(string projectId, string userId, string roleId, CancellationToken ct)
    {
        _ = await store.FindProjectAsync(projectId, ct) ?? throw NotFound("project", projectId);
        _ = await store.FindUserAsync(userId, ct) ?? throw NotFound("user", userId);
        _ = await store.FindRoleAsync(roleId, ct) ?? throw NotFound("role", roleId);
    }

    // ---- bootstrap -----------------------------------------------------------------------------------------

    /// <summary>
    /// On an empty database: domain Default, project and user admin, roles admin/member/reader, admin on admin.
    /// Returns the admin password when this call created the admin user with a generated one (to be shown once), else null.
    /// </summary>
    public async Task<BootstrapResult> BootstrapAsync(string? adminPassword, CancellationToken ct)
    {
        if (await store.FindDomainAsync(DefaultDomainId, ct) is null)
        {
            await store.TryAddDomainAsync(new IdentityDomain(DefaultDomainId, "Default", "The default domain", true), ct);
        }

        foreach (var name in new[] { "admin", "member", "reader" })
        {
            if (await store.FindRoleByNameAsync(name, ct) is null)
            {
                await store.TryAddRoleAsync(new Role(NewId(), name, null, null), ct);
            }
        }

        if (await store.FindUserByNameAsync(DefaultDomainId, "admin", ct) is not null)
        {
            return new BootstrapResult(false, null);
        }

        var project = await store.FindProjectByNameAsync(DefaultDomainId, "admin", ct)
            ?? await CreateProjectAsync("admin", DefaultDomainId, "Bootstrap project for initializing the cloud.", true, null, ct);
        var generated = string.IsNullOrEmpty(adminPassword);
        var password = generated ? Base64Url(RandomNumberGenerator.GetBytes(18)) : adminPassword!;
        var admin = await CreateUserAsync("admin", DefaultDomainId, password, project.Id, null, null, true, ct);
        var adminRole = (await store.FindRoleByNameAsync("admin", ct))!;
        await store.AddAssignmentAsync(new RoleAssignment(admin.Id, project.Id, adminRole.Id), ct);
        await store.DeleteExpiredTokensAsync(clock.GetUtcNow(), ct);
        LogBootstrapped(admin.Id, project.Id);
        return new BootstrapResult(true, generated ? password : null);
    }

    /// <summary>Housekeeping: drops token rows that expired more than a day ago.</summary>
    public Task<int> PurgeExpiredTokensAsync(CancellationToken ct) =>
        store.DeleteExpiredTokensAsync(clock.GetUtcNow().AddDays(-1), ct);

    // ---- helpers -------------------------------------------------------------------------------------------

    /// <summary>Every identity change may take access away: the next validation of every token goes to the store.</summary>
    public void ForgetValidatedTokens()
    {
        Interlocked.Increment(ref _generation);
        _cache.Clear();
    }

    public static string NewId() => Guid.NewGuid().ToString("N");

    public static string Digest(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static void CheckName(string name, string what)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 255)
        {
            throw KuraException.BadRequest($"Invalid input for field '{what}.name': the name must be 1 to 255 characters.");
        }
    }

    public static KuraException Unauthorized() => new(ErrorKind.Unauthorized, AuthRequired);

    public static KuraException NotFound(string what, string id) => KuraException.NotFound($"Could not find {what}: {id}.");

    private static KuraException Conflict(string what, string detail) =>
        KuraException.Conflict($"Conflict occurred attempting to store {what} - {detail}");

    [LoggerMessage(Level = LogLevel.Information, Message = "Token issued to user {UserId} for project {ProjectId}, audit id {AuditId}")]
    private partial void LogIssued(string userId, string? projectId, string auditId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Token revoked")]
    private partial void LogRevoked();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authentication failed for user {User}")]
    private partial void LogAuthFailed(string user);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authentication failed for user {User}: {Failures} consecutive failures (lockout at {Limit})")]
    private partial void LogAuthFailedCounted(string user, int failures, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Authentication refused for user {User}: the account is locked out")]
    private partial void LogLockedOut(string user);

    [LoggerMessage(Level = LogLevel.Information, Message = "Identity bootstrapped: admin user {UserId} on project {ProjectId}")]
    private partial void LogBootstrapped(string userId, string projectId);
}

public sealed record BootstrapResult(bool Created, string? GeneratedPassword);
