using System.Security.Cryptography;
using Kura.Domain;

namespace Kura.Identity;

/// <summary>
/// The directory's writes (projects with their appkeys, users, roles, assignments), unchecked: who may call them is
/// <see cref="IdentityAdminService"/>'s rule (and the bootstrap's). Every write that can take access away makes the
/// next validation of every token go to the store.
/// </summary>
public sealed partial class IdentityService
{
    // ---- administration ------------------------------------------------------------------------------------

    /// <summary>Creates a project; without an <paramref name="appkey"/> it gets a generated one (docs/PROVIDERS.md).</summary>
    internal async Task<Project> CreateProjectAsync(string name, string? domainId, string? description, bool enabled, string? appkey, CancellationToken ct)
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

    internal async Task<Project> UpdateProjectAsync(string id, string? name, string? description, bool? enabled, string? appkey, CancellationToken ct)
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

    /// <summary>
    /// Behind the cloud's Keystone (<c>Identity:Type=Keystone</c>) appkeys stay Kura's own data, keyed by the Keystone
    /// project's id: gives <paramref name="projectId"/> <paramref name="appkey"/> (or keeps its appkey, or generates
    /// one) and returns the project as Kura records it. The operator's command <c>Kura.Server appkey PROJECT_ID [APPKEY]</c>.
    /// </summary>
    public async Task<Project> SetCloudProjectAppkeyAsync(string projectId, string? appkey, CancellationToken ct)
    {
        if (!IsValidAppkey(projectId))
        {
            throw KuraException.BadRequest("A Keystone project id is 1 to 64 letters, digits, '-' or '_'.");
        }

        if (await store.FindDomainAsync(DefaultDomainId, ct) is null)
        {
            await store.TryAddDomainAsync(new IdentityDomain(DefaultDomainId, "Default", "The default domain", true), ct);
        }

        if (await store.FindProjectAsync(projectId, ct) is { } existing)
        {
            return await UpdateProjectAsync(projectId, null, null, true, appkey ?? existing.Appkey, ct);
        }

        if (appkey is not null)
        {
            await CheckAppkeyAsync(appkey, null, ct);
        }

        var project = new Project(projectId, projectId, DefaultDomainId, "A project of the cloud's Keystone", true) { Appkey = appkey ?? NewAppkey() };
        return await store.TryAddProjectAsync(project, ct) ? project : throw Conflict("project", projectId);
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

    internal async Task DeleteProjectAsync(string id, CancellationToken ct)
    {
        var deleted = await store.DeleteProjectAsync(id, ct);
        ForgetValidatedTokens();
        if (!deleted)
        {
            throw NotFound("project", id);
        }
    }

    internal async Task<User> CreateUserAsync(string name, string? domainId, string? password, string? defaultProjectId, string? email, string? description, bool enabled, CancellationToken ct)
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
    internal async Task<User> UpdateUserAsync(string id, string? name, string? password, bool? enabled, string? defaultProjectId, string? email, string? description, CancellationToken ct)
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

    internal async Task DeleteUserAsync(string id, CancellationToken ct)
    {
        var deleted = await store.DeleteUserAsync(id, ct);
        ForgetValidatedTokens();
        if (!deleted)
        {
            throw NotFound("user", id);
        }
    }

    internal async Task<Role> CreateRoleAsync(string name, string? description, CancellationToken ct)
    {
        CheckName(name, "role");
        var role = new Role(NewId(), name, null, description);
        return await store.TryAddRoleAsync(role, ct)
            ? role
            : throw Conflict("role", $"Duplicate entry found with name {name}.");
    }

    internal async Task DeleteRoleAsync(string id, CancellationToken ct)
    {
        var deleted = await store.DeleteRoleAsync(id, ct);
        ForgetValidatedTokens();
        if (!deleted)
        {
            throw NotFound("role", id);
        }
    }

    internal async Task GrantAsync(string projectId, string userId, string roleId, CancellationToken ct)
    {
        await RequireAssignmentPartiesAsync(projectId, userId, roleId, ct);
        await store.AddAssignmentAsync(new RoleAssignment(userId, projectId, roleId), ct);
        ForgetValidatedTokens();
    }

    internal async Task RevokeGrantAsync(string projectId, string userId, string roleId, CancellationToken ct)
    {
        await RequireAssignmentPartiesAsync(projectId, userId, roleId, ct);
        var removed = await store.RemoveAssignmentAsync(new RoleAssignment(userId, projectId, roleId), ct);
        ForgetValidatedTokens();
        if (!removed)
        {
            throw KuraException.NotFound($"Could not find role assignment with role: {roleId}, user or group: {userId}, project, domain, or system: {projectId}.");
        }
    }

    internal async Task<bool> HasGrantAsync(string projectId, string userId, string roleId, CancellationToken ct)
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
}
