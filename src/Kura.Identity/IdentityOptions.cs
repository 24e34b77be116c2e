using System.ComponentModel.DataAnnotations;

namespace Kura.Identity;

/// <summary>The built-in identity service (configuration section <c>Identity</c>).</summary>
public sealed class IdentityOptions
{
    public const string Section = "Identity";

    /// <summary>The identity modes: Kura's own (<c>Embedded</c>) or a cloud's Keystone (<c>Keystone</c>, <c>Identity:Keystone</c>).</summary>
    public static readonly string[] Types = ["Embedded", "Keystone"];

    /// <summary>Who issues and checks tokens: <c>Embedded</c> (the default, Kura's own at <c>/identity</c>) or <c>Keystone</c>.</summary>
    [Required]
    public string Type { get; set; } = "Embedded";

    public bool IsEmbedded => string.Equals(Type, "Embedded", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Roles of which an <c>X-Service-Token</c> must hold one to count (keystonemiddleware's <c>service_token_roles</c>,
    /// required as its <c>service_token_roles_required</c>); such a token lets an expired user token through.
    /// Empty (the default): <c>service</c>. (A default array would have configured items appended to it by the binder.)
    /// </summary>
    public string[] ServiceTokenRoles { get; set; } = [];

    public IReadOnlyList<string> EffectiveServiceTokenRoles => ServiceTokenRoles.Length == 0 ? ["service"] : ServiceTokenRoles;

    /// <summary>
    /// How long after its expiry a user token still counts when a service token comes with it (Keystone's
    /// <c>[token] allow_expired_window</c>, two days). Embedded identity only; Keystone applies its own.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan AllowExpiredWindow { get; set; } = TimeSpan.FromDays(2);

    /// <summary>How long a token lives (Keystone's <c>[token] expiration</c>, one hour).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "30.00:00:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a validated token is remembered in memory. Any identity change made through this node (revocation,
    /// password, role, user or project change) forgets every remembered token at once; a change made through
    /// another node is seen after at most this long. Zero turns the cache off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan TokenCacheTime { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>PBKDF2-HMAC-SHA512 rounds for new password hashes (OWASP 2023 guidance: 210,000).</summary>
    [Range(1, 10_000_000)]
    public int PasswordIterations { get; set; } = 210_000;

    /// <summary>
    /// Consecutive failed password authentications after which a user is locked out (Keystone's
    /// <c>[security_compliance] lockout_failure_attempts</c>). Zero, Keystone's default, turns lockout off.
    /// </summary>
    [Range(0, 1000)]
    public int LockoutFailureAttempts { get; set; }

    /// <summary>How long a locked-out user stays locked after the last failure (Keystone's <c>lockout_duration</c>, 1800 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Password authentications one client address may attempt per minute, on every token endpoint (Keystone v3 and
    /// v2.0, NHN v1.0); beyond it the answer is 429 until the minute is over. Zero turns the limit off. Behind a
    /// proxy every client shares the proxy's address unless forwarded headers are configured.
    /// </summary>
    [Range(0, 1_000_000)]
    public int AuthAttemptsPerMinute { get; set; } = 600;

    /// <summary>The name of the rate-limiting policy every password endpoint requires (ASP.NET Core's <c>RequireRateLimiting</c>).</summary>
    public const string PasswordRateLimitPolicy = "password-attempts";

    /// <summary>Region name of every catalog endpoint.</summary>
    [Required]
    public string Region { get; set; } = "RegionOne";

    /// <summary>
    /// The base URL clients reach Kura at (for a deployment behind a proxy), e.g. <c>https://images.example.com</c>.
    /// Empty: the URL of each request is used.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>The admin password on first start; KURA_ADMIN_PASSWORD sets it too. Empty: one is generated and printed once.</summary>
    public string? AdminPassword { get; set; }
}
