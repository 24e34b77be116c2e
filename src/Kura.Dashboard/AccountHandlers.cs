using Kura.Dashboard.Pages;
using Kura.Domain;
using Kura.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static Kura.Dashboard.Html;

namespace Kura.Dashboard;

/// <summary>
/// Sign-in (user, password and project in the Default domain, through the <see cref="ITokenAuthority"/>: Kura's own
/// identity or the cloud's Keystone), sign-out
/// (which revokes the token), switching project (a rescoped token), and the language switch.
/// </summary>
public static partial class AccountHandlers
{
    public static Task<IResult> SignInPage(HttpContext ctx, Layout layout, string? next) =>
        RenderSignIn(DashboardRequest.Of(ctx), layout, next, null, null, null, StatusCodes.Status200OK);

    public static async Task<IResult> SignIn(HttpContext ctx, Layout layout, ITokenAuthority identity, IdentityOptions options, SessionStore sessions, ILogger<DashboardSession> logger)
    {
        var r = DashboardRequest.Of(ctx);
        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        string user = form["user"].ToString().Trim(), password = form["password"].ToString(), project = form["project"].ToString().Trim();
        var next = DashboardEndpoints.LocalOr(form["next"], $"{DashboardEndpoints.Prefix}/images");
        string secret;
        DateTimeOffset expires;
        try
        {
            if (user.Length == 0 || password.Length == 0 || project.Length == 0)
            {
                throw IdentityService.Unauthorized();
            }

            (secret, var info) = await identity.SignInAsync(new PasswordSignIn(user, "Default", password, null, project, "Default"), ctx.RequestAborted);
            expires = info.Token.ExpiresAt;
        }
        catch (KuraException ex) when (ex.Kind == ErrorKind.Unauthorized)
        {
            return await RenderSignIn(r, layout, next, user, project, r.T["signin.failed"], StatusCodes.Status401Unauthorized);
        }

        // A browser signing in again drops its earlier session first.
        if (r.Session is not null)
        {
            await EndAsync(r.Session, identity, sessions);
        }

        var session = sessions.Create(secret, expires);
        ctx.Response.Cookies.Append(DashboardRequest.SessionCookie, session.Id, DashboardRequest.CookieOptions(ctx, options.PublicUrl));
        LogSignedIn(logger, user, project);
        return SeeOther(next);
    }

    public static async Task<IResult> SignOut(HttpContext ctx, ITokenAuthority identity, IdentityOptions options, SessionStore sessions)
    {
        var r = DashboardRequest.Of(ctx);
        await EndAsync(r.Session!, identity, sessions);
        ctx.Response.Cookies.Delete(DashboardRequest.SessionCookie, DashboardRequest.CookieOptions(ctx, options.PublicUrl));
        return SeeOther($"{DashboardEndpoints.Prefix}/signin");
    }

    /// <summary>Switching project rescopes: a new token for the chosen project (expiring with the old), and the old token is revoked.</summary>
    public static async Task<IResult> SwitchProject(HttpContext ctx, ITokenAuthority identity)
    {
        var r = DashboardRequest.Of(ctx);
        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        var (secret, info) = await identity.RescopeAsync(r.Session!.Token, r.Token!, form["project"].ToString(), ctx.RequestAborted);
        var project = info.Project!;
        var old = r.Session!.Token;
        r.Session.Token = secret;
        await identity.RevokeAsync(old, CancellationToken.None);
        r.Session.Flash = (r.T.Format("project.switched", project.Name), false);
        return SeeOther($"{DashboardEndpoints.Prefix}/images");
    }

    public static async Task<IResult> ChooseLanguage(HttpContext ctx, IdentityOptions identity)
    {
        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        var language = Texts.Languages.Contains(form["lang"].ToString()) ? form["lang"].ToString() : Texts.English;
        var options = DashboardRequest.CookieOptions(ctx, identity.PublicUrl, DateTimeOffset.UtcNow.AddYears(1));
        ctx.Response.Cookies.Append(DashboardRequest.LanguageCookie, language, options);
        return SeeOther(DashboardEndpoints.LocalOr(form["back"], $"{DashboardEndpoints.Prefix}/images"));
    }

    /// <summary>303 See Other: after a form post the browser fetches the next page with GET.</summary>
    internal static IResult SeeOther(string location) => new SeeOtherResult(location);

    private sealed class SeeOtherResult(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }

    private static async Task EndAsync(DashboardSession session, ITokenAuthority identity, SessionStore sessions)
    {
        sessions.Remove(session.Id);
        await identity.RevokeAsync(session.Token, CancellationToken.None);
    }

    private static Task<IResult> RenderSignIn(DashboardRequest r, Layout layout, string? next, string? user, string? project, string? error, int status)
    {
        var t = r.T;
        var nextPath = DashboardEndpoints.LocalOr(next, $"{DashboardEndpoints.Prefix}/images");
        return layout.RenderAsync(r, t["signin.title"], form => H($"""
            <h1>{t["signin.title"]}</h1>
            <p>{t["signin.intro"]}</p>
            {(error is null ? Html.Empty : H($"""<p class="flash error" role="alert" id="signin-error">{error}</p>"""))}
            {form.Post("/signin", H($"""
                <input type="hidden" name="next" value="{nextPath}">
                <div class="field"><label for="user">{t["signin.user"]}</label><input id="user" name="user" autocomplete="username" required value="{user}"{(error is null ? Html.Empty : new Html(" aria-describedby=\"signin-error\""))}></div>
                <div class="field"><label for="password">{t["signin.password"]}</label><input id="password" name="password" type="password" autocomplete="current-password" required></div>
                <div class="field"><label for="project">{t["signin.project"]}</label><input id="project" name="project" autocomplete="organization" required value="{project}"></div>
                <button type="submit" class="primary">{t["signin.submit"]}</button>
                """), "card narrow")}
            """), status);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard sign-in by {User} to project {Project}")]
    private static partial void LogSignedIn(ILogger logger, string user, string project);
}
