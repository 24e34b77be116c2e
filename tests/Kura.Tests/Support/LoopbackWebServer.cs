using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Kura.Tests.Support;

/// <summary>A small Kestrel on a free loopback port serving what <c>map</c> maps: a web-download source.</summary>
public static class LoopbackWebServer
{
    public static async Task<WebApplication> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return app;
    }
}
