using System.Security.Claims;
using Kura.Domain;
using Kura.Identity;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace Kura.Dashboard;

/// <summary>What every dashboard handler knows about its request: the language, and who is signed in (if anyone).</summary>
public sealed class DashboardRequest(HttpContext http, Texts texts, DashboardSession? session, TokenInfo? token)
{
    public const string SessionCookie = "kura_session";
    public const string LanguageCookie = "kura_lang";
    public const string AntiforgeryCookie = "kura_af";
    public const string AntiforgeryField = "__af";
    public const string AntiforgeryHeader = "X-Kura-Antiforgery";
    private const string ItemKey = "kura.dashboard";

    public HttpContext Http { get; } = http;

    public Texts T { get; } = texts;

    public DashboardSession? Session { get; } = session;

    /// <summary>The validated token of the session: user, project and roles as they are now.</summary>
    public TokenInfo? Token { get; } = token;

    public bool SignedIn => Session is not null && Token?.Project is not null;

    /// <summary>The caller the domain sees, exactly as the Glance API would build it from the same token.</summary>
    public Caller Caller => Token?.AsCaller() ?? throw new InvalidOperationException("Not signed in.");

    public string ProjectId => Token!.Project!.Id;

    public bool IsAdmin => Token?.IsAdmin ?? false;

    public CancellationToken Aborted => Http.RequestAborted;

    /// <summary>The antiforgery request token for this page's forms (the matching cookie is set with it).</summary>
    public string AntiforgeryToken(IAntiforgery antiforgery) => antiforgery.GetAndStoreTokens(Http).RequestToken!;

    public static DashboardRequest Of(HttpContext http) =>
        http.Items[ItemKey] as DashboardRequest ?? throw new InvalidOperationException("The dashboard middleware did not run.");

    internal void Attach()
    {
        Http.Items[ItemKey] = this;
        if (SignedIn)
        {
            // Antiforgery tokens are bound to this identity: a token minted for one session is refused in another.
            Http.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, Session!.Id)], "kura-dashboard"));
        }
    }

    /// <summary>The cookie options of every dashboard cookie: HttpOnly, SameSite=Strict, Secure when reached over HTTPS.</summary>
    public static CookieOptions CookieOptions(HttpContext http, string? publicUrl, DateTimeOffset? expires = null) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = http.Request.IsHttps || (publicUrl?.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ?? false),
        Path = DashboardEndpoints.Prefix,
        Expires = expires,
        IsEssential = true,
    };
}
