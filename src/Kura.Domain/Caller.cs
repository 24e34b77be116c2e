namespace Kura.Domain;

/// <summary>Who is asking: the authenticated user, the project the token is scoped to, and the token's roles (lower-cased).</summary>
public sealed record Caller(string UserId, string? ProjectId, IReadOnlyList<string> Roles)
{
    /// <summary>As in Glance: the role <c>admin</c> on the token makes the caller a cloud admin.</summary>
    public bool IsAdmin => Roles.Contains("admin");

    /// <summary>
    /// The roles of a valid service token sent with the request (<c>X-Service-Token</c>, lower-cased; empty without
    /// one), as keystonemiddleware passes them on: policy reads them as <c>service_roles:NAME</c>.
    /// </summary>
    public IReadOnlyList<string> ServiceRoles { get; init; } = [];
}
