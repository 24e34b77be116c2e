using System.Net;
using System.Net.Sockets;
using Kura.Domain;
using Kura.Domain.Imports;
using Kura.Server.Outbound;

namespace Kura.Server.Imports;

/// <summary>
/// The web-download source: HTTP(S) through a handler whose connect step resolves the host itself and refuses
/// addresses <see cref="ImportOptions"/> forbids, so DNS tricks cannot reach them. Redirects are followed by hand,
/// each target filtered like the first. The client is the host's (<see cref="ConfigureHandler"/> under the
/// web-download pipeline: a timeout until the source's headers, a circuit per host, retries of a GET that failed
/// before its headers, so never once a byte of the body was read).
/// </summary>
public sealed class HttpWebFetcher(ImportOptions options, Func<HttpClient> http) : IWebFetcher
{
    private const int MaxRedirects = 5;
    private readonly ImportOptions _options = options;

    /// <summary>What the client's handler must do for the filter to hold: connect only through it, follow no redirect itself.</summary>
    public static void ConfigureHandler(SocketsHttpHandler handler, ImportOptions options)
    {
        handler.AllowAutoRedirect = false;
        handler.ConnectCallback = (context, ct) => ConnectAsync(options, context, ct);
    }

    public void Check(Uri uri)
    {
        var scheme = uri.Scheme.ToLowerInvariant();
        var host = uri.IdnHost.ToLowerInvariant();
        var ok = (_options.AllowedSchemes.Length == 0 || _options.AllowedSchemes.Contains(scheme)) &&
                 !_options.DisallowedSchemes.Contains(scheme) &&
                 (_options.AllowedHosts.Length == 0 || _options.AllowedHosts.Contains(host)) &&
                 !_options.DisallowedHosts.Contains(host) &&
                 (_options.AllowedPorts.Length == 0 || _options.AllowedPorts.Contains(uri.Port)) &&
                 !_options.DisallowedPorts.Contains(uri.Port) &&
                 string.IsNullOrEmpty(uri.UserInfo);
        if (!ok)
        {
            throw Refused(uri);
        }
    }

    public async Task<Stream> OpenAsync(Uri uri, CancellationToken ct)
    {
        for (var hop = 0; hop <= MaxRedirects; hop++)
        {
            Check(uri);
            var response = await http().GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, ct);
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                uri = new Uri(uri, location);
                response.Dispose();
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                var status = (int)response.StatusCode;
                response.Dispose();
                throw KuraException.BadRequest($"The web-download source answered HTTP {status}.");
            }

            return await response.Content.ReadAsStreamAsync(ct);
        }

        throw KuraException.BadRequest("The web-download source redirected too many times.");
    }

    private static async ValueTask<Stream> ConnectAsync(ImportOptions options, SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct);
        var allowed = addresses.Where(a => !options.DisallowPrivateAddresses || !IsPrivate(a)).ToArray();
        if (allowed.Length == 0)
        {
            throw new OutboundRefusedException($"URI for web-download does not pass filtering: {context.DnsEndPoint.Host} resolves only to addresses this site does not fetch from.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Loopback, link-local, private (RFC 1918, unique-local), CGNAT, multicast and unspecified addresses.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) ||
            address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal)
        {
            return true;
        }

        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }

        var b = address.GetAddressBytes();
        return b[0] == 10 || b[0] == 0 || b[0] >= 224 ||
               (b[0] == 172 && b[1] >= 16 && b[1] <= 31) ||
               (b[0] == 192 && b[1] == 168) ||
               (b[0] == 169 && b[1] == 254) ||
               (b[0] == 100 && b[1] >= 64 && b[1] <= 127);
    }

    private static KuraException Refused(Uri uri) => KuraException.BadRequest($"URI for web-download does not pass filtering: {uri}");
}
