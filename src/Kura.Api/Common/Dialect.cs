using Kura.Domain.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Kura.Api.Common;

/// <summary>The API dialects Kura speaks on one port; each has its own error shape.</summary>
public enum Dialect
{
    Glance,
    Keystone,
    Nhn,

    /// <summary>The web dashboard under <c>/dashboard</c> (Kura.Dashboard): errors are HTML pages.</summary>
    Dashboard,
}

public static class Dialects
{
    /// <summary>
    /// Which dialect a request speaks, by its path: <c>/identity</c> is Keystone; <c>/dashboard</c> the web dashboard; <c>/v1.0</c> and <c>/compute</c> are
    /// NHN Cloud's v1.0 API when the Nhn preset is on; everything else is Glance.
    /// </summary>
    public static Dialect Of(HttpContext ctx)
    {
        var path = ctx.Request.Path;
        if (path.StartsWithSegments("/identity", StringComparison.Ordinal))
        {
            return Dialect.Keystone;
        }

        if (path.StartsWithSegments("/dashboard", StringComparison.Ordinal))
        {
            return Dialect.Dashboard;
        }

        if ((path.StartsWithSegments("/v1.0", StringComparison.Ordinal) || path.StartsWithSegments("/compute", StringComparison.Ordinal)) &&
            ctx.RequestServices.GetRequiredService<ImagePolicy>().Is(PolicyOptions.Nhn))
        {
            return Dialect.Nhn;
        }

        return Dialect.Glance;
    }
}
