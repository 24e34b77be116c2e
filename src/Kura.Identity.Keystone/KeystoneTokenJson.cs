using System.Globalization;
using System.Text.Json;

namespace Kura.Identity.Keystone;

/// <summary>Keystone v3's token document (<c>{"token":{…}}</c>) read into Kura's <see cref="TokenInfo"/>.</summary>
internal static class KeystoneTokenJson
{
    /// <summary>The token a document describes; a FormatException when it is not a v3 token document.</summary>
    public static TokenInfo Read(string secret, JsonElement root)
    {
        var token = Object(root, "token");
        var user = Object(token, "user");
        var userDomain = Object(user, "domain");
        Project? project = null;
        IdentityDomain? projectDomain = null;
        if (token.TryGetProperty("project", out var p) && p.ValueKind == JsonValueKind.Object)
        {
            var domain = Object(p, "domain");
            projectDomain = new IdentityDomain(Text(domain, "id"), Text(domain, "name"), string.Empty, true);
            project = new Project(Text(p, "id"), Text(p, "name"), projectDomain.Id, string.Empty, true);
        }

        IdentityDomain? scopeDomain = null;
        if (project is null && token.TryGetProperty("domain", out var d) && d.ValueKind == JsonValueKind.Object)
        {
            scopeDomain = new IdentityDomain(Text(d, "id"), Text(d, "name"), string.Empty, true);
        }

        var roles = new List<Role>();
        if (token.TryGetProperty("roles", out var r) && r.ValueKind == JsonValueKind.Array)
        {
            roles.AddRange(r.EnumerateArray().Select(role => new Role(Text(role, "id"), Text(role, "name"), null, null)));
        }

        var record = new TokenRecord(
            IdentityService.Digest(secret),
            Text(user, "id"),
            project?.Id,
            Strings(token, "methods"),
            Time(token, "issued_at"),
            Time(token, "expires_at"),
            Strings(token, "audit_ids"))
        { DomainId = scopeDomain?.Id };
        return new TokenInfo(
            record,
            new User(record.UserId, Text(user, "name"), Text(userDomain, "id"), true, null, null, null),
            new IdentityDomain(Text(userDomain, "id"), Text(userDomain, "name"), string.Empty, true),
            project,
            projectDomain,
            roles)
        { Domain = scopeDomain };
    }

    /// <summary><c>GET /v3/auth/projects</c>: <c>{"projects":[{id,name,domain_id,enabled}]}</c>.</summary>
    public static IReadOnlyList<Project> ReadProjects(JsonElement root) =>
        root.TryGetProperty("projects", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray()
                .Select(p => new Project(Text(p, "id"), Text(p, "name"), Text(p, "domain_id"), string.Empty,
                    !p.TryGetProperty("enabled", out var e) || e.ValueKind != JsonValueKind.False))
                .ToArray()
            : throw new FormatException("no projects in Keystone's answer");

    private static JsonElement Object(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
            ? value
            : throw new FormatException($"no object '{name}' in Keystone's token");

    private static string Text(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new FormatException($"no string '{name}' in Keystone's token");

    private static string[] Strings(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToArray()
            : [];

    private static DateTimeOffset Time(JsonElement parent, string name) =>
        DateTimeOffset.Parse(Text(parent, name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
