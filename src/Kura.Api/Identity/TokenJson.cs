using System.Globalization;
using Kura.Identity;

namespace Kura.Api.Identity;

/// <summary>Keystone's token documents (v3 and v2.0) and service catalog, built from a validated token.</summary>
public static class TokenJson
{
    /// <summary>Keystone's <c>%Y-%m-%dT%H:%M:%S.%fZ</c>.</summary>
    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static string TimeV2(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static object V3(TokenInfo info, string baseUrl, string region, bool withCatalog)
    {
        var token = new Dictionary<string, object?>
        {
            ["methods"] = info.Token.Methods,
            ["user"] = new
            {
                domain = new { id = info.UserDomain.Id, name = info.UserDomain.Name },
                id = info.User.Id,
                name = info.User.Name,
                password_expires_at = (string?)null,
            },
            ["audit_ids"] = info.Token.AuditIds,
            ["expires_at"] = Time(info.Token.ExpiresAt),
            ["issued_at"] = Time(info.Token.IssuedAt),
        };
        if (info.Project is not null)
        {
            token["project"] = new
            {
                domain = new { id = info.ProjectDomain!.Id, name = info.ProjectDomain.Name },
                id = info.Project.Id,
                name = info.Project.Name,
            };
            token["is_domain"] = false;
            token["roles"] = info.Roles.Select(r => new { id = r.Id, name = r.Name }).ToArray();
            if (withCatalog)
            {
                token["catalog"] = Catalog(baseUrl, region);
            }
        }
        else if (info.Domain is not null)
        {
            token["domain"] = new { id = info.Domain.Id, name = info.Domain.Name };
            token["roles"] = info.Roles.Select(r => new { id = r.Id, name = r.Name }).ToArray();
            if (withCatalog)
            {
                token["catalog"] = Catalog(baseUrl, region);
            }
        }

        if (info.ApplicationCredential is { } credential)
        {
            token["application_credential"] = new { id = credential.Id, name = credential.Name, restricted = !credential.Unrestricted };
        }

        return new { token };
    }

    /// <summary>The service catalog: Kura's identity and image APIs, on every interface, in one region.</summary>
    public static object[] Catalog(string baseUrl, string region) =>
    [
        Service("identity", "keystone", baseUrl + "/identity/v3", region),
        Service("image", "glance", baseUrl, region),
    ];

    private static object Service(string type, string name, string url, string region) => new
    {
        endpoints = new[] { "public", "internal", "admin" }.Select(i => new
        {
            id = $"{type}-{i}",
            @interface = i,
            region_id = region,
            url,
            region,
        }).ToArray(),
        id = type,
        type,
        name,
    };

    public static object V2(TokenInfo info, string secret, string baseUrl, string region) => new
    {
        access = new
        {
            token = new
            {
                issued_at = Time(info.Token.IssuedAt),
                expires = TimeV2(info.Token.ExpiresAt),
                id = secret,
                tenant = info.Project is null ? null : new { description = info.Project.Description, enabled = info.Project.Enabled, id = info.Project.Id, name = info.Project.Name },
                audit_ids = info.Token.AuditIds,
            },
            serviceCatalog = info.Project is null ? [] : new object[]
            {
                ServiceV2("image", "glance", baseUrl, region),
                ServiceV2("identity", "keystone", baseUrl + "/identity/v2.0", region),
            },
            user = new
            {
                username = info.User.Name,
                roles_links = Array.Empty<object>(),
                id = info.User.Id,
                roles = info.Roles.Select(r => new { name = r.Name }).ToArray(),
                name = info.User.Name,
            },
            metadata = new { is_admin = 0, roles = info.Roles.Select(r => r.Id).ToArray() },
        },
    };

    private static object ServiceV2(string type, string name, string url, string region) => new
    {
        endpoints = new[] { new { adminURL = url, region, internalURL = url, id = type + "-v2", publicURL = url } },
        endpoints_links = Array.Empty<object>(),
        type,
        name,
    };
}
