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

    internal Task DeleteProjectAsync(string id, CancellationToken ct) => DeleteAsync(store.DeleteProjectAsync(id, ct), () => NotFound("project", id));

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

        if (enabled == false)
        {
            // As Keystone: disabling a user deletes their application credentials.
            await store.DeleteApplicationCredentialsOfUserAsync(id, null, ct);
        }

        ForgetValidatedTokens();
        return updated;
    }

    internal Task DeleteUserAsync(string id, CancellationToken ct) => DeleteAsync(store.DeleteUserAsync(id, ct), () => NotFound("user", id));

    internal async Task<Role> CreateRoleAsync(string name, string? description, CancellationToken ct)
    {
        CheckName(name, "role");
        var role = new Role(NewId(), name, null, description);
        return await store.TryAddRoleAsync(role, ct)
            ? role
            : throw Conflict("role", $"Duplicate entry found with name {name}.");
    }

    internal Task DeleteRoleAsync(string id, CancellationToken ct) => DeleteAsync(store.DeleteRoleAsync(id, ct), () => NotFound("role", id));

    internal async Task GrantAsync(RoleAssignment a, CancellationToken ct)
    {
        await RequireAssignmentPartiesAsync(a, ct);
        await store.AddAssignmentAsync(a, ct);
        ForgetValidatedTokens();
    }

    /// <summary>
    /// Removes an assignment. A user who loses a role on a project loses the application credentials they made for
    /// it, with their tokens (Keystone's <c>remove_application_credentials_for_user</c>): a credential never comes back
    /// to life when a role is granted again. A group's role removed leaves credentials, whose tokens then carry
    /// only the roles the user still holds (none is a 401).
    /// </summary>
    internal async Task RevokeGrantAsync(RoleAssignment a, CancellationToken ct)
    {
        await RequireAssignmentPartiesAsync(a, ct);
        var removed = await store.RemoveAssignmentAsync(a, ct);
        if (removed && a.Kind == AssignmentKind.UserProject)
        {
            await store.DeleteApplicationCredentialsOfUserAsync(a.ActorId, a.TargetId, ct);
        }

        ForgetValidatedTokens();
        if (!removed)
        {
            throw AssignmentNotFound(a.RoleId, a.ActorId, a.TargetId);
        }
    }

    internal async Task<bool> HasGrantAsync(RoleAssignment a, CancellationToken ct)
    {
        await RequireAssignmentPartiesAsync(a, ct);
        return (await store.ListAssignmentsAsync(a.Filter(a.RoleId), ct)).Count > 0;
    }

    /// <summary>The roles granted directly by assignments of <paramref name="a"/>'s kind, actor and target (its role ignored).</summary>
    internal async Task<IReadOnlyList<Role>> ListGrantedRolesAsync(RoleAssignment a, CancellationToken ct)
    {
        await RequireAssignmentPartiesAsync(a with { RoleId = string.Empty }, ct);
        var roles = new List<Role>();
        foreach (var found in await store.ListAssignmentsAsync(a.Filter(null), ct))
        {
            if (await store.FindRoleAsync(found.RoleId, ct) is { } role)
            {
                roles.Add(role);
            }
        }

        return roles.OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
    }

    public static KuraException AssignmentNotFound(string roleId, string actorId, string targetId) =>
        KuraException.NotFound($"Could not find role assignment with role: {roleId}, user or group: {actorId}, project, domain, or system: {targetId}.");

    /// <summary>The actor, the target and (unless empty) the role of an assignment exist, or Keystone's 404.</summary>
    private async Task RequireAssignmentPartiesAsync(RoleAssignment a, CancellationToken ct)
    {
        if (a.OnDomain)
        {
            _ = await store.FindDomainAsync(a.TargetId, ct) ?? throw NotFound("domain", a.TargetId);
        }
        else
        {
            _ = await store.FindProjectAsync(a.TargetId, ct) ?? throw NotFound("project", a.TargetId);
        }

        if (a.ToGroup)
        {
            _ = await store.FindGroupAsync(a.ActorId, ct) ?? throw NotFound("group", a.ActorId);
        }
        else
        {
            _ = await store.FindUserAsync(a.ActorId, ct) ?? throw NotFound("user", a.ActorId);
        }

        if (a.RoleId.Length > 0)
        {
            _ = await store.FindRoleAsync(a.RoleId, ct) ?? throw NotFound("role", a.RoleId);
        }
    }

    // ---- groups --------------------------------------------------------------------------------------------

    internal async Task<Group> CreateGroupAsync(string name, string? domainId, string? description, CancellationToken ct)
    {
        CheckName(name, "group");
        domainId ??= DefaultDomainId;
        _ = await store.FindDomainAsync(domainId, ct) ?? throw NotFound("domain", domainId);
        var group = new Group(NewId(), name, domainId, description ?? string.Empty);
        return await store.TryAddGroupAsync(group, ct)
            ? group
            : throw Conflict("group", $"Duplicate entry found with name {name} at domain ID {domainId}.");
    }

    internal async Task<Group> UpdateGroupAsync(string id, string? name, string? description, CancellationToken ct)
    {
        var group = await store.FindGroupAsync(id, ct) ?? throw NotFound("group", id);
        if (name is not null)
        {
            CheckName(name, "group");
        }

        var updated = group with { Name = name ?? group.Name, Description = description ?? group.Description };
        return await store.TryUpdateGroupAsync(updated, ct)
            ? updated
            : throw Conflict("group", $"Duplicate entry found with name {name}.");
    }

    internal Task DeleteGroupAsync(string id, CancellationToken ct) => DeleteAsync(store.DeleteGroupAsync(id, ct), () => NotFound("group", id));

    /// <summary>Adds a user to a group; as Keystone, only a user of the group's domain may join it.</summary>
    internal async Task AddGroupMemberAsync(string groupId, string userId, CancellationToken ct)
    {
        var (group, user) = await GroupAndUserAsync(groupId, userId, ct);
        if (group.DomainId != user.DomainId)
        {
            throw KuraException.BadRequest($"Invalid input: user {userId} is in domain {user.DomainId} and cannot join group {groupId} of domain {group.DomainId}.");
        }

        await store.AddGroupMemberAsync(groupId, userId, ct);
        ForgetValidatedTokens();
    }

    internal async Task RemoveGroupMemberAsync(string groupId, string userId, CancellationToken ct)
    {
        await GroupAndUserAsync(groupId, userId, ct);
        var removed = await store.RemoveGroupMemberAsync(groupId, userId, ct);
        ForgetValidatedTokens();
        if (!removed)
        {
            throw NotInGroup(userId, groupId);
        }
    }

    public static KuraException NotInGroup(string userId, string groupId) => KuraException.NotFound($"User '{userId}' not found in group '{groupId}'");

    internal async Task<bool> IsGroupMemberAsync(string groupId, string userId, CancellationToken ct)
    {
        await GroupAndUserAsync(groupId, userId, ct);
        return (await store.ListGroupMembersAsync(groupId, ct)).Any(u => u.Id == userId);
    }

    private async Task<(Group, User)> GroupAndUserAsync(string groupId, string userId, CancellationToken ct) =>
        (await store.FindGroupAsync(groupId, ct) ?? throw NotFound("group", groupId),
         await store.FindUserAsync(userId, ct) ?? throw NotFound("user", userId));

    // ---- application credentials ---------------------------------------------------------------------------

    /// <summary>
    /// Creates an application credential of <paramref name="user"/> on <paramref name="project"/> with
    /// <paramref name="roles"/> (by id or name; none: all of <paramref name="held"/>, the roles of the token that asks),
    /// each of which the user must hold there. Returns it with its secret (given, or 64 random characters), which is
    /// stored only under the password KDF.
    /// </summary>
    internal async Task<(ApplicationCredential Credential, string Secret)> CreateApplicationCredentialAsync(User user, Project project, IReadOnlyList<Role> held,
        string name, string? description, string? secret, DateTimeOffset? expiresAt, IReadOnlyList<(string? Id, string? Name)>? roles, bool unrestricted, CancellationToken ct)
    {
        CheckName(name, "application_credential");
        if (expiresAt is { } expires && expires <= clock.GetUtcNow())
        {
            throw KuraException.BadRequest("The 'expires_at' must not be before now. " + MalformedTail);
        }

        if (secret is { Length: 0 or > 4096 })
        {
            throw KuraException.BadRequest("Invalid input for field 'secret': the secret must be 1 to 4096 characters.");
        }

        var chosen = new List<Role>();
        if (roles is null)
        {
            chosen.AddRange(held);
        }

        foreach (var (id, roleName) in roles ?? [])
        {
            var role = (id is not null ? await store.FindRoleAsync(id, ct) : await store.FindRoleByNameAsync(roleName!, ct))
                ?? throw (id is not null ? NotFound("role", id) : KuraException.NotFound($"Role {roleName} is not defined"));
            if (!held.Any(r => r.Id == role.Id))
            {
                throw KuraException.BadRequest("Invalid application credential: Cannot create an application credential with unassigned role");
            }

            if (!chosen.Any(r => r.Id == role.Id))
            {
                chosen.Add(role);
            }
        }

        secret ??= Base64Url(RandomNumberGenerator.GetBytes(48));
        var credential = new ApplicationCredential(NewId(), name, user.Id, project.Id, description, expiresAt, unrestricted, chosen)
        {
            SecretHash = _hasher.Hash(secret),
        };
        return await store.TryAddApplicationCredentialAsync(credential, ct)
            ? (credential, secret)
            : throw Conflict("application_credential", $"Duplicate entry found with name {name}.");
    }

    internal Task DeleteApplicationCredentialAsync(string id, CancellationToken ct) => DeleteAsync(store.DeleteApplicationCredentialAsync(id, ct), () => ApplicationCredentialNotFound(id));

    /// <summary>A delete that may take access away: every validated token is forgotten; Keystone's 404 when there was nothing.</summary>
    private async Task DeleteAsync(Task<bool> delete, Func<KuraException> notFound)
    {
        var deleted = await delete;
        ForgetValidatedTokens();
        if (!deleted)
        {
            throw notFound();
        }
    }

    public static KuraException ApplicationCredentialNotFound(string id) => KuraException.NotFound($"Could not find Application Credential: {id}.");

    /// <summary>The sentence Keystone ends every 400 about a malformed request with.</summary>
    public const string MalformedTail = "The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.";
}
