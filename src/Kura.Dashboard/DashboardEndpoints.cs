using System.Text.Json;
using Kura.Dashboard.Pages;
using Kura.Domain;
using Kura.Identity;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kura.Dashboard;

/// <summary>
/// The dashboard under <c>/dashboard</c>: its services, its middleware and its whole URL surface on one screen.
/// Every image action calls the same <see cref="Domain.Images.ImageService"/> method as the Glance API, with the
/// same <see cref="Caller"/> built from the session's token, so the page can never do what the API forbids.
/// </summary>
public static partial class DashboardEndpoints
{
    public const string Prefix = "/dashboard";

    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<DashboardOptions>>().Value);
        services.AddSingleton<SessionStore>();
        services.AddSingleton<Layout>();
        // Sessions live in this process's memory, so the keys that sign antiforgery tokens may too.
        services.AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider());
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = DashboardRequest.AntiforgeryCookie;
            o.Cookie.Path = Prefix;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            o.Cookie.SecurePolicy = Microsoft.AspNetCore.Http.CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = DashboardRequest.AntiforgeryField;
            o.HeaderName = DashboardRequest.AntiforgeryHeader;
            // The dashboard sends X-Frame-Options: DENY and frame-ancestors 'none' itself.
            o.SuppressXFrameOptionsHeader = true;
        });
        return services;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<DashboardOptions>().Enabled)
        {
            return app;
        }

        app.UseMiddleware<DashboardMiddleware>();
        var root = app.MapGroup(Prefix).AddEndpointFilter(HandleErrors);
        root.MapGet("/", () => Results.Redirect($"{Prefix}/images"));
        root.MapGet("/assets/{name}", Assets.Serve);
        root.MapGet("/signin", AccountHandlers.SignInPage);
        root.MapPost("/signin", AccountHandlers.SignIn).AddEndpointFilter(ValidateAntiforgery)
            .RequireRateLimiting(IdentityOptions.PasswordRateLimitPolicy);
        root.MapPost("/language", AccountHandlers.ChooseLanguage).AddEndpointFilter(ValidateAntiforgery);

        // Everything else needs a session; then, for anything that changes state, a valid antiforgery token.
        var app2 = root.MapGroup(string.Empty).AddEndpointFilter(RequireSession).AddEndpointFilter(ValidateAntiforgery);
        app2.MapPost("/signout", AccountHandlers.SignOut);
        app2.MapPost("/project", AccountHandlers.SwitchProject);

        app2.MapGet("/images", ImageHandlers.List);
        app2.MapGet("/images/new", ImageHandlers.NewPage);
        app2.MapPost("/images", ImageHandlers.Create);
        app2.MapGet("/images/{id}", ImageHandlers.Show);
        app2.MapGet("/images/{id}/edit", ImageHandlers.EditPage);
        app2.MapPost("/images/{id}/edit", ImageHandlers.Edit);
        app2.MapPut("/images/{id}/file", ImageHandlers.Upload).WithMetadata(new Microsoft.AspNetCore.Mvc.DisableRequestSizeLimitAttribute());
        app2.MapGet("/images/{id}/download", ImageHandlers.Download);
        app2.MapPost("/images/{id}/deactivate", ImageHandlers.Deactivate);
        app2.MapPost("/images/{id}/reactivate", ImageHandlers.Reactivate);
        app2.MapGet("/images/{id}/delete", ImageHandlers.DeletePage);
        app2.MapPost("/images/{id}/delete", ImageHandlers.Delete);
        app2.MapPost("/images/{id}/members", ImageHandlers.AddMember);
        app2.MapPost("/images/{id}/members/{member}/delete", ImageHandlers.RemoveMember);
        app2.MapPost("/images/{id}/membership", ImageHandlers.AnswerShare);
        return app;
    }

    /// <summary>A request the browser's script made (create and upload) wants JSON back, not a page.</summary>
    internal static bool WantsJson(HttpRequest request) =>
        request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase);

    internal static IResult JsonError(int status, string message) =>
        Results.Content(JsonSerializer.Serialize(new { message }), "application/json; charset=utf-8", statusCode: status);

    /// <summary>What the domain refuses on a page becomes an error page (or JSON for the upload script), never Glance's JSON.</summary>
    private static async ValueTask<object?> HandleErrors(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var ctx = context.HttpContext;
        try
        {
            return await next(context);
        }
        catch (KuraException ex) when (!ctx.Response.HasStarted && !ctx.RequestAborted.IsCancellationRequested)
        {
            var status = ex.Kind.Status();
            return WantsJson(ctx.Request)
                ? JsonError(status, ex.Message)
                : await ErrorPage.RenderAsync(ctx, status, status == 404 ? DashboardRequest.Of(ctx).T["error.notfound"] : ex.Message);
        }
    }

    /// <summary>No session: pages redirect to sign-in (and back afterwards); the upload script gets a 401.</summary>
    private static async ValueTask<object?> RequireSession(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var ctx = context.HttpContext;
        var r = DashboardRequest.Of(ctx);
        if (r.SignedIn)
        {
            return await next(context);
        }

        if (WantsJson(ctx.Request))
        {
            return JsonError(StatusCodes.Status401Unauthorized, r.T["signin.expired"]);
        }

        var back = HttpMethods.IsGet(ctx.Request.Method) ? ctx.Request.Path + ctx.Request.QueryString : $"{Prefix}/images";
        return Results.Redirect($"{Prefix}/signin?next={Uri.EscapeDataString(back)}");
    }

    /// <summary>Every request that changes something carries the antiforgery token (form field or header); else 400.</summary>
    private static async ValueTask<object?> ValidateAntiforgery(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var ctx = context.HttpContext;
        if (!HttpMethods.IsGet(ctx.Request.Method) && !HttpMethods.IsHead(ctx.Request.Method))
        {
            var antiforgery = ctx.RequestServices.GetRequiredService<IAntiforgery>();
            if (!await antiforgery.IsRequestValidAsync(ctx))
            {
                var logger = ctx.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DashboardEndpoints));
                LogAntiforgeryRefused(logger, ctx.Request.Method, ctx.Request.Path);
                var message = DashboardRequest.Of(ctx).T["error.antiforgery"];
                return WantsJson(ctx.Request)
                    ? JsonError(StatusCodes.Status400BadRequest, message)
                    : await ErrorPage.RenderAsync(ctx, StatusCodes.Status400BadRequest, message);
            }
        }

        return await next(context);
    }

    /// <summary>Only paths of the dashboard itself are followed after sign-in or a language switch.</summary>
    internal static string LocalOr(string? path, string fallback) =>
        path is not null && (path == Prefix || path.StartsWith(Prefix + "/", StringComparison.Ordinal)) && !path.Contains('\\', StringComparison.Ordinal)
            ? path
            : fallback;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard {Method} {Path} refused: missing or invalid antiforgery token")]
    private static partial void LogAntiforgeryRefused(ILogger logger, string method, string path);
}
