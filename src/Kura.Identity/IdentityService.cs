using System.Security.Cryptography;
using System.Text;
using Kura.Domain;
using Microsoft.Extensions.Logging;

namespace Kura.Identity;

/// <summary>
/// The built-in Keystone subset: password and token authentication, scoped and unscoped tokens, validation and
/// revocation (this file), and the directory's unchecked writes (IdentityService.Directory.cs) that
/// <see cref="IdentityAdminService"/> authorizes. Tokens are 256-bit random
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

    /// <summary>The store, for this assembly's services and the tests only: no HTTP handler reaches it.</summary>
    internal IIdentityStore Store => store;

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

    /// <summary>
    /// Checks an application credential's secret, the credential named by its id, or by its name and its user (by id,
    /// or by name in a domain); refuses an expired one, and one whose user or project is disabled.
    /// </summary>
    public async Task<(User User, ApplicationCredential Credential, Project Project)> AuthenticateApplicationCredentialAsync(
        string? id, string? name, string? userId, string? userName, string? userDomainId, string? userDomainName, string secret, CancellationToken ct)
    {
        ApplicationCredential? credential = null;
        if (id is not null)
        {
            // As Keystone: an unknown id is a 404, not a 401.
            credential = await store.FindApplicationCredentialAsync(id, ct) ?? throw ApplicationCredentialNotFound(id);
        }
        else if (name is not null)
        {
            var owner = userId is not null
                ? await store.FindUserAsync(userId, ct)
                : userName is not null && await ResolveDomainAsync(userDomainId, userDomainName, ct) is { } domain ? await store.FindUserByNameAsync(domain.Id, userName, ct) : null;
            credential = owner is null ? null : await store.FindApplicationCredentialByNameAsync(owner.Id, name, ct);
        }

        // Hash even when there is no such credential, so timing does not tell which exist.
        var ok = PasswordHasher.Verify(secret, credential?.SecretHash is { Length: > 0 } hash ? hash : DummyHash);
        if (credential is null || !ok)
        {
            LogAuthFailed(id ?? name ?? "?");
            throw Unauthorized();
        }

        if (credential.ExpiresAt is { } expires && expires <= clock.GetUtcNow())
        {
            LogAuthFailed(credential.Id);
            throw Unauthorized();
        }

        var user = await store.FindUserAsync(credential.UserId, ct);
        var project = await store.FindProjectAsync(credential.ProjectId, ct);
        if (user is not { Enabled: true } || project is not { Enabled: true })
        {
            throw Unauthorized();
        }

        return (user, credential, project);
    }

    /// <summary>
    /// A user changes their own password (Keystone's <c>POST /v3/users/{id}/password</c>): the original password is
    /// checked as a sign-in is (failures count towards lockout), the new one is stored under the KDF, and every token
    /// of the user is revoked.
    /// </summary>
    public async Task ChangePasswordAsync(string userId, string originalPassword, string newPassword, CancellationToken ct)
    {
        if (newPassword.Length is 0 or > 4096)
        {
            throw KuraException.BadRequest("Invalid input for field 'user.password': the password must be 1 to 4096 characters.");
        }

        var user = await AuthenticatePasswordAsync(userId, null, null, null, originalPassword, ct);
        var saved = await store.SetPasswordAndRevokeTokensAsync(user.Id, _hasher.Hash(newPassword), ct);
        ForgetValidatedTokens();
        if (!saved)
        {
            // Disabled or deleted while the password was being checked.
            throw Unauthorized();
        }

        LogPasswordChanged(userId);
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

    /// <summary>Finds the domain a token should be scoped to, given by id or by name.</summary>
    public async Task<IdentityDomain> ResolveScopeDomainAsync(string? domainId, string? domainName, CancellationToken ct) =>
        await ResolveDomainAsync(domainId, domainName, ct) is { Enabled: true } domain ? domain : throw Unauthorized();

    /// <summary>
    /// Issues a token for <paramref name="user"/>, scoped to <paramref name="project"/> or <paramref name="domain"/> when
    /// given (the user must hold a role there, directly or through a group), for <paramref name="credential"/> when the
    /// user authenticated with an application credential (its project, its roles, expiring no later than it), and
    /// returns the secret, which exists nowhere else after this call.
    /// </summary>
    public async Task<(string Secret, TokenInfo Info)> IssueAsync(User user, Project? project, IReadOnlyList<string> methods, TokenRecord? parent, CancellationToken ct,
        IdentityDomain? domain = null, ApplicationCredential? credential = null)
    {
        var credentialId = credential?.Id ?? parent?.ApplicationCredentialId;
        if (credentialId is not null && (project is null || domain is not null || (parent?.ProjectId is { } parentProject && parentProject != project.Id)))
        {
            // As Keystone: a token of an application credential is for the credential's project only.
            throw new KuraException(ErrorKind.Unauthorized, "An application credential's token cannot be rescoped.");
        }

        IReadOnlyList<Role> roles = project is not null ? await store.ListRolesForAsync(user.Id, project.Id, ct)
            : domain is not null ? await store.ListDomainRolesForAsync(user.Id, domain.Id, ct)
            : [];
        if (credential is not null)
        {
            roles = roles.Where(r => credential.Roles.Any(c => c.Id == r.Id)).ToList();
        }

        if ((project is not null || domain is not null) && roles.Count == 0)
        {
            throw Unauthorized();
        }

        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = clock.GetUtcNow();
        var now6 = now.AddTicks(-(now.Ticks % 10)); // microsecond precision, as Keystone reports
        var expires = parent is null ? now6 + options.TokenLifetime : parent.ExpiresAt;
        if (credential?.ExpiresAt is { } credentialExpires && credentialExpires < expires)
        {
            expires = credentialExpires;
        }

        var audit = Base64Url(RandomNumberGenerator.GetBytes(16));
        var auditIds = parent is null ? new[] { audit } : [audit, parent.AuditIds[0]];
        var record = new TokenRecord(Digest(secret), user.Id, project?.Id, methods, now6, expires, auditIds)
        {
            DomainId = domain?.Id,
            ApplicationCredentialId = credentialId,
        };
        await store.AddTokenAsync(record, ct);

        var info = await DescribeAsync(record.Digest, ct) ?? throw Unauthorized();
        LogIssued(user.Id, project?.Id ?? domain?.Id, audit);
        return (secret, info);
    }

    /// <summary>
    /// Validates a token secret; null if it is unknown, revoked, expired (with <paramref name="allowExpired"/>: expired
    /// longer than <see cref="IdentityOptions.AllowExpiredWindow"/>), or its user or project is gone or disabled.
    /// </summary>
    public async Task<TokenInfo?> ValidateAsync(string? secret, CancellationToken ct, bool allowExpired = false)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length > 512)
        {
            return null;
        }

        var digest = Digest(secret);
        var now = clock.GetUtcNow();
        var generation = Interlocked.Read(ref _generation);
        var expiredBefore = allowExpired ? now - options.AllowExpiredWindow : now;
        if (_cache.TryGetValue(digest, out var cached) && cached.Generation == generation && now < cached.Until && expiredBefore < cached.Info.Token.ExpiresAt)
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
            info.Token.ExpiresAt <= expiredBefore)
        {
            return null;
        }

        return info;
    }

    /// <summary>As Keystone for a token request without a scope: the user's default project, if enabled and the user holds a role there.</summary>
    public async Task<Project?> DefaultProjectAsync(User user, CancellationToken ct) =>
        user.DefaultProjectId is not null &&
        await store.FindProjectAsync(user.DefaultProjectId, ct) is { Enabled: true } project &&
        (await store.ListRolesForAsync(user.Id, project.Id, ct)).Count > 0
            ? project
            : null;

    /// <summary>The enabled and disabled projects <paramref name="userId"/> holds any role on, directly or through a group.</summary>
    public Task<IReadOnlyList<Project>> ProjectsOfAsync(string userId, CancellationToken ct) => TargetsOfAsync(userId, onDomain: false, store.FindProjectAsync, ct);

    /// <summary>The domains <paramref name="userId"/> holds any role on, directly or through a group.</summary>
    public Task<IReadOnlyList<IdentityDomain>> DomainsOfAsync(string userId, CancellationToken ct) => TargetsOfAsync(userId, onDomain: true, store.FindDomainAsync, ct);

    private async Task<IReadOnlyList<T>> TargetsOfAsync<T>(string userId, bool onDomain, Func<string, CancellationToken, Task<T?>> find, CancellationToken ct)
        where T : class
    {
        var targets = new List<T>();
        foreach (var id in (await EffectiveAssignmentsAsync(userId, ct)).Where(a => a.Assignment.OnDomain == onDomain).Select(a => a.Assignment.TargetId).Distinct())
        {
            if (await find(id, ct) is { } target)
            {
                targets.Add(target);
            }
        }

        return targets;
    }

    /// <summary>
    /// The user's assignments with every group assignment of theirs expanded to one of the user's own (Keystone's
    /// <c>effective</c>), each with the group it came through (null for a direct one).
    /// </summary>
    internal async Task<IReadOnlyList<(RoleAssignment Assignment, string? ViaGroup)>> EffectiveAssignmentsAsync(string userId, CancellationToken ct)
    {
        var result = (await store.ListAssignmentsAsync(new AssignmentFilter(userId, null, null), ct)).Select(a => (a, (string?)null)).ToList();
        foreach (var group in await store.ListGroupsOfUserAsync(userId, ct))
        {
            foreach (var a in await store.ListAssignmentsAsync(new AssignmentFilter(null, null, null) { GroupId = group.Id }, ct))
            {
                result.Add((a.ForMember(userId), group.Id));
            }
        }

        return result;
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

        if (info.Token.DomainId is not null)
        {
            return info.Domain is { Enabled: true } && info.Roles.Count > 0 ? info : null;
        }

        if (info.Token.ProjectId is null)
        {
            return info;
        }

        // Roles are read at validation time, so removing a role assignment takes effect at once (for an application
        // credential's token: the credential's roles that the user still holds).
        return info.Project is { Enabled: true } && info.ProjectDomain is not null && info.Roles.Count > 0 &&
               (info.Token.ApplicationCredentialId is null || info.ApplicationCredential is not null)
            ? info
            : null;
    }

    private async Task<IdentityDomain?> ResolveDomainAsync(string? domainId, string? domainName, CancellationToken ct)
    {
        if (domainId is not null)
        {
            return await store.FindDomainAsync(domainId, ct);
        }

        return domainName is not null ? await store.FindDomainByNameAsync(domainName, ct) : null;
    }

    // ---- bootstrap -----------------------------------------------------------------------------------------

    /// <summary>
    /// On an empty database: domain Default, project and user admin, roles admin/member/reader/service, admin on the
    /// admin project and on the Default domain.
    /// The <c>service</c> role is what a service user's token needs to act as a service token (Nova, Cinder).
    /// Returns the admin password when this call created the admin user with a generated one (to be shown once), else null.
    /// </summary>
    public async Task<BootstrapResult> BootstrapAsync(string? adminPassword, CancellationToken ct)
    {
        if (await store.FindDomainAsync(DefaultDomainId, ct) is null)
        {
            await store.TryAddDomainAsync(new IdentityDomain(DefaultDomainId, "Default", "The default domain", true), ct);
        }

        foreach (var name in new[] { "admin", "member", "reader", "service" })
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
        // Kura has no system scope: the admin also holds admin on the Default domain, so that a domain-scoped token
        // (Horizon's domain views, `openstack --os-domain-name Default`) works from the first start.
        await store.AddAssignmentAsync(new RoleAssignment(admin.Id, DefaultDomainId, adminRole.Id, AssignmentKind.UserDomain), ct);
        await store.DeleteExpiredTokensAsync(clock.GetUtcNow(), ct);
        LogBootstrapped(admin.Id, project.Id);
        return new BootstrapResult(true, generated ? password : null);
    }

    /// <summary>Housekeeping: drops token rows that expired before the window a service token may still use them in.</summary>
    public Task<int> PurgeExpiredTokensAsync(CancellationToken ct) =>
        store.DeleteExpiredTokensAsync(clock.GetUtcNow() - options.AllowExpiredWindow, ct);

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Token issued to user {UserId} for project or domain {ScopeId}, audit id {AuditId}")]
    private partial void LogIssued(string userId, string? scopeId, string auditId);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} changed their password; their tokens are revoked")]
    private partial void LogPasswordChanged(string userId);

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
