namespace Kura.Domain;

/// <summary>Who is asking: the authenticated user, the project the token is scoped to, and the token's roles (lower-cased).</summary>
public sealed record Caller(string UserId, string? ProjectId, IReadOnlyList<string> Roles)
{
    /// <summary>As in Glance: the role <c>admin</c> on the token makes the caller a cloud admin.</summary>
    public bool IsAdmin => Roles.Contains("admin");
}
