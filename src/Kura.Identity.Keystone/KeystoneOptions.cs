using System.ComponentModel.DataAnnotations;

namespace Kura.Identity.Keystone;

/// <summary>
/// The cloud's Keystone (configuration section <c>Identity:Keystone</c>, read with <c>Identity:Type=Keystone</c>):
/// where it is and the service user Kura validates tokens as, the keys of keystonemiddleware's
/// <c>[keystone_authtoken]</c> and the same shape as <c>Blobs:Swift</c>'s Keystone keys.
/// </summary>
public sealed class KeystoneOptions
{
    public const string Section = "Identity:Keystone";

    /// <summary>Keystone's v3 endpoint, e.g. <c>http://keystone:5000/v3</c> (a URL without <c>/v3</c> gets it appended).</summary>
    [Required, Url]
    public string AuthUrl { get; set; } = string.Empty;

    /// <summary>Kura's service user (Glance's is <c>glance</c>); it needs a role that may validate tokens (admin or service).</summary>
    [Required]
    public string Username { get; set; } = string.Empty;

    [Required]
    public string Password { get; set; } = string.Empty;

    /// <summary>The service user's project, usually <c>service</c>.</summary>
    [Required]
    public string ProjectName { get; set; } = string.Empty;

    [Required]
    public string UserDomainName { get; set; } = "Default";

    [Required]
    public string ProjectDomainName { get; set; } = "Default";

    /// <summary>
    /// How long a validated (or refused) token is remembered (keystonemiddleware's <c>token_cache_time</c>, 300 s): a token
    /// revoked in Keystone is refused once this has passed. Zero turns the cache off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan TokenCacheTime { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>How long one call to Keystone may take, retries included; beyond it the request is a 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The URL a 401's <c>WWW-Authenticate: Keystone uri="…"</c> names (keystonemiddleware's <c>www_authenticate_uri</c>):
    /// the public Keystone URL clients reach. Empty: <see cref="AuthUrl"/> without <c>/v3</c>.
    /// </summary>
    public string? WwwAuthenticateUri { get; set; }

    /// <summary><see cref="AuthUrl"/> ending in <c>/v3/</c>, for relative paths.</summary>
    public Uri V3 => new((AuthUrl.TrimEnd('/').EndsWith("/v3", StringComparison.Ordinal) ? AuthUrl.TrimEnd('/') : AuthUrl.TrimEnd('/') + "/v3") + "/");

    public string WwwAuthenticate => string.IsNullOrWhiteSpace(WwwAuthenticateUri) ? V3.AbsoluteUri.TrimEnd('/')[..^3].TrimEnd('/') : WwwAuthenticateUri.TrimEnd('/');
}
