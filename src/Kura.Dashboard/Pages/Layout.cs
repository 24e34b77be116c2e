using Kura.Identity;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using static Kura.Dashboard.Html;

namespace Kura.Dashboard.Pages;

/// <summary>
/// The frame of every page: the document head (lang, viewport, the stylesheet), a skip link, the header with the
/// project switcher, the language switch and sign-out, the one-shot message, and the page's own content.
/// </summary>
public sealed class Layout(ITokenAuthority identity, IAntiforgery antiforgery)
{
    public async Task<IResult> RenderAsync(DashboardRequest r, string title, Func<Form, Html> main, int status = StatusCodes.Status200OK)
    {
        var form = new Form(r.AntiforgeryToken(antiforgery));
        var t = r.T;
        var header = r.SignedIn ? await SignedInHeaderAsync(r, form) : H($"""
            <header class="top"><a class="brand" href="{DashboardEndpoints.Prefix}/images">{t["brand"]}</a>{LanguageSwitch(r, form)}</header>
            """);
        var flash = Html.Empty;
        if (r.Session?.Flash is { } message)
        {
            r.Session.Flash = null;
            flash = H($"""<p class="flash {(message.IsError ? "error" : "ok")}" role="{(message.IsError ? "alert" : "status")}">{message.Text}</p>""");
        }

        var page = H($"""
            <!DOCTYPE html>
            <html lang="{t.Language}">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{title} · Kura</title>
            <link rel="stylesheet" href="{DashboardEndpoints.Prefix}/assets/dashboard.css">
            </head>
            <body>
            <a class="skip" href="#main">{t["skip"]}</a>
            {header}
            <main id="main" tabindex="-1">
            {flash}
            {main(form)}
            </main>
            </body>
            </html>
            """);
        return Results.Content(page.Value, "text/html; charset=utf-8", statusCode: status);
    }

    private async Task<Html> SignedInHeaderAsync(DashboardRequest r, Form form)
    {
        var t = r.T;
        var token = r.Token!;
        var projects = (await identity.ProjectsOfAsync(r.Session!.Token, token, r.Aborted)).Where(p => p.Enabled).OrderBy(p => p.Name, StringComparer.Ordinal);
        var options = projects.Select(p => H($"""<option value="{p.Id}"{Selected(p.Id == r.ProjectId)}>{p.Name}</option>"""));
        return H($"""
            <header class="top">
            <a class="brand" href="{DashboardEndpoints.Prefix}/images">{t["brand"]}</a>
            <nav aria-label="{t["brand"]}"><a href="{DashboardEndpoints.Prefix}/images">{t["nav.images"]}</a> <a href="{DashboardEndpoints.Prefix}/images/new">{t["nav.create"]}</a></nav>
            <div class="who">
            <span>{t["signedin.as"]} <strong>{token.User.Name}</strong></span>
            {form.Post("/project", H($"""<label for="switch-project">{t["signin.project"]}</label> <select id="switch-project" name="project">{options}</select> <button type="submit">{t["project.switch"]}</button>"""), "inline")}
            {LanguageSwitch(r, form)}
            {form.Post("/signout", H($"""<button type="submit">{t["signout"]}</button>"""), "inline")}
            </div>
            </header>
            """);
    }

    private static Html LanguageSwitch(DashboardRequest r, Form form)
    {
        var other = r.T.Language == Texts.Japanese ? Texts.English : Texts.Japanese;
        return form.Post("/language", H($"""<input type="hidden" name="lang" value="{other}"><input type="hidden" name="back" value="{r.Http.Request.Path + r.Http.Request.QueryString}"><button type="submit" lang="{other}" aria-label="{r.T["language"]}: {r.T["language.other"]}">{r.T["language.other"]}</button>"""), "inline lang");
    }

    public static Html Selected(bool selected) => selected ? new Html(" selected") : Html.Empty;

    public static Html Checked(bool isChecked) => isChecked ? new Html(" checked") : Html.Empty;
}

/// <summary>Builds the forms of one page, each with the page's antiforgery token.</summary>
public sealed class Form(string antiforgeryToken)
{
    public string Token => antiforgeryToken;

    /// <summary>A POST form to <paramref name="path"/> (relative to /dashboard) carrying the antiforgery token.</summary>
    public Html Post(string path, Html inner, string? cssClass = null, string? id = null) => H($"""
        <form method="post" action="{DashboardEndpoints.Prefix}{path}"{(cssClass is null ? Html.Empty : H($" class=\"{cssClass}\""))}{(id is null ? Html.Empty : H($" id=\"{id}\""))}><input type="hidden" name="{DashboardRequest.AntiforgeryField}" value="{antiforgeryToken}">{inner}</form>
        """);

    /// <summary>A form with a single button.</summary>
    public Html Button(string path, string label, string? cssClass = null) =>
        Post(path, H($"""<button type="submit"{(cssClass is null ? Html.Empty : H($" class=\"{cssClass}\""))}>{label}</button>"""), "inline");
}
