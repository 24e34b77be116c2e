using System.Net;
using Kura.Tests.Support;

namespace Kura.Tests.Api;

/// <summary>
/// CORS as oslo.middleware's cors filter gives Glance: off by default; with <c>Cors:AllowedOrigins</c> a preflight from
/// an allowed origin is answered with Glance's methods and headers, responses (errors too) carry the origin and the
/// exposed headers, and any other origin gets nothing that would let its page read the answer.
/// </summary>
public sealed class CorsTests
{
    private const string Horizon = "https://horizon.example.com";

    private static HttpRequestMessage Preflight(string origin, string method, string headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "v2/images");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    [Fact]
    public async Task An_allowed_origin_is_answered_and_may_read_glances_headers()
    {
        await using var kura = await KuraHost.StartAsync(null, $"--Cors:AllowedOrigins:0={Horizon}");
        using (var preflight = await kura.Http.SendAsync(Preflight(Horizon, "PUT", "x-auth-token,content-type")))
        {
            Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
            Assert.Equal(Horizon, preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
            Assert.Contains("PUT", preflight.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
            Assert.Contains("x-auth-token", preflight.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);
            Assert.Equal("3600", preflight.Headers.GetValues("Access-Control-Max-Age").Single());
        }

        var token = await kura.AdminTokenAsync();
        using var list = KuraHost.Request(HttpMethod.Get, "v2/images", token);
        list.Headers.Add("Origin", Horizon);
        using (var response = await kura.Http.SendAsync(list))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Horizon, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
            var exposed = response.Headers.GetValues("Access-Control-Expose-Headers").Single();
            Assert.Contains("X-OpenStack-Request-ID", exposed, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("OpenStack-image-import-methods", exposed, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("Location", exposed, StringComparison.Ordinal);
        }

        // An error still tells the page what went wrong.
        using var unauthenticated = new HttpRequestMessage(HttpMethod.Get, "v2/images");
        unauthenticated.Headers.Add("Origin", Horizon);
        using var denied = await kura.Http.SendAsync(unauthenticated);
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Equal(Horizon, denied.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Other_origins_and_the_default_configuration_get_no_cors_headers()
    {
        await using var configured = await KuraHost.StartAsync(null, $"--Cors:AllowedOrigins:0={Horizon}");
        using (var other = await configured.Http.SendAsync(Preflight("https://evil.example.net", "DELETE", "x-auth-token")))
        {
            Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
        }

        await using var plain = await KuraHost.StartAsync();
        using var preflight = await plain.Http.SendAsync(Preflight(Horizon, "PUT", "x-auth-token"));
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.NotEqual(HttpStatusCode.NoContent, preflight.StatusCode);
    }
}
