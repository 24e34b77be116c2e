using System.Collections.Concurrent;

namespace Kura.Tests.Support;

/// <summary>
/// A TCP proxy on loopback in front of a real server, with the faults of a bad network: it can reset every other
/// new connection at once (<see cref="DropEveryOther"/>), cut a connection once it has forwarded
/// <see cref="CutAfterBytes"/> bytes towards the server (a request broken off mid-body), and go away altogether
/// (<see cref="Stop"/>: connections refused) and come back on the same port (<see cref="Start"/>). It records the
/// first request line and headers of each connection it forwards, so a test started with one request per connection
/// sees every request that reached the server.
/// </summary>
public sealed class FlakyProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly ConcurrentBag<TcpClient> _open = [];
    private readonly ConcurrentQueue<string> _requests = new();
    private TcpListener? _listener;
    private CancellationTokenSource _stop = new();
    private int _accepted;
    private int _dropped;

    public FlakyProxy(IPEndPoint target)
    {
        _target = target;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Start();
    }

    public int Port { get; }

    /// <summary>Reset every second connection as soon as it is accepted (the first is forwarded).</summary>
    public bool DropEveryOther { get; set; }

    /// <summary>Reset a forwarded connection after this many bytes from the client; null forwards everything.</summary>
    public long? CutAfterBytes { get; set; }

    public int Dropped => _dropped;

    /// <summary>The first request line (<c>PUT /v1/AUTH_test/c/o HTTP/1.1</c>) of each forwarded connection.</summary>
    public IReadOnlyList<string> Requests => [.. _requests.Select(head => head.Split("\r\n")[0])];

    /// <summary>The request line and headers of each forwarded connection's first request (as far as its first read holds).</summary>
    public IReadOnlyList<string> Heads => [.. _requests];

    /// <summary>Rewrites <paramref name="url"/> (of the real server) to go through the proxy.</summary>
    public string Through(string url) => new UriBuilder(url) { Host = "127.0.0.1", Port = Port }.Uri.AbsoluteUri.TrimEnd('/');

    public void Start()
    {
        _stop = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _ = AcceptLoopAsync(_listener, _stop.Token);
    }

    /// <summary>Closes the listener and every connection: new connections are refused.</summary>
    public void Stop()
    {
        _stop.Cancel();
        _listener?.Stop();
        _listener = null;
        while (_open.TryTake(out var client))
        {
            Reset(client);
        }
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(ct);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (DropEveryOther && Interlocked.Increment(ref _accepted) % 2 == 0)
            {
                Interlocked.Increment(ref _dropped);
                Reset(client);
                continue;
            }

            _open.Add(client);
            _ = ForwardAsync(client, ct);
        }
    }

    private async Task ForwardAsync(TcpClient client, CancellationToken ct)
    {
        var server = new TcpClient();
        var cut = true;
        try
        {
            await server.ConnectAsync(_target, ct);
            _open.Add(server);
            var toServer = PumpAsync(client.GetStream(), server.GetStream(), CutAfterBytes, record: true, ct);
            var toClient = PumpAsync(server.GetStream(), client.GetStream(), null, record: false, ct);
            cut = await await Task.WhenAny(toServer, toClient);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            if (cut)
            {
                Reset(client);
                Reset(server);
            }
            else
            {
                client.Close(); // after a FIN each way: what was sent arrives
                server.Close();
            }
        }
    }

    /// <summary>Copies until the end of <paramref name="from"/> (false) or until <paramref name="limit"/> bytes were copied (true: cut it off).</summary>
    private async Task<bool> PumpAsync(NetworkStream from, NetworkStream to, long? limit, bool record, CancellationToken ct)
    {
        var buffer = new byte[64 << 10];
        long forwarded = 0;
        try
        {
            while (true)
            {
                var n = await from.ReadAsync(buffer, ct);
                if (n == 0)
                {
                    to.Socket.Shutdown(SocketShutdown.Send);
                    return false;
                }

                if (record && forwarded == 0)
                {
                    var text = Encoding.ASCII.GetString(buffer, 0, n);
                    var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                    _requests.Enqueue(end > 0 ? text[..end] : text);
                }

                if (limit is { } cutAt && forwarded + n > cutAt)
                {
                    await to.WriteAsync(buffer.AsMemory(0, (int)(cutAt - forwarded)), ct);
                    return true;
                }

                await to.WriteAsync(buffer.AsMemory(0, n), ct);
                forwarded += n;
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>Closes with a RST (linger 0), as a crashed peer or a dropping middlebox does.</summary>
    private static void Reset(TcpClient client)
    {
        try
        {
            if (client.Client is { } socket)
            {
                socket.LingerState = new LingerOption(true, 0);
            }

            client.Close();
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
