using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Kura.Tests.Support;

/// <summary>
/// Kura as a process of its own (<c>dotnet Kura.Server.dll</c>), for tests that kill it with SIGKILL: nothing of
/// the test process survives with it, as after a real crash.
/// </summary>
public sealed class KuraProcess : IDisposable
{
    private readonly Process _process;

    private KuraProcess(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    public string Url { get; }

    /// <summary>Everything the process wrote to its standard output, line by line.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Output { get; } = new();

    public int Port => new Uri(Url).Port;

    /// <summary>Starts Kura on a free loopback port with <paramref name="dataDirectory"/>; returns once it answers.</summary>
    public static async Task<KuraProcess> StartAsync(string dataDirectory, int? port = null, params string[] extraArgs)
    {
        var url = $"http://127.0.0.1:{port ?? FreePort()}";
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "Kura.Server.dll"), "--urls", url,
            "--Identity:PasswordIterations=1000", "--Logging:LogLevel:Default=Warning",
        }.Concat(extraArgs))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["KURA_DATA_DIR"] = dataDirectory;
        start.Environment["KURA_ADMIN_PASSWORD"] = KuraHost.AdminPassword;
        var process = Process.Start(start)!;
        var kura = new KuraProcess(process, url);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                kura.Output.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient();
        for (var i = 0; i < 300; i++)
        {
            try
            {
                if ((await http.GetAsync(url + "/healthz")).IsSuccessStatusCode)
                {
                    return kura;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (process.HasExited)
            {
                break;
            }

            await Task.Delay(100);
        }

        kura.Dispose();
        throw new InvalidOperationException("Kura did not start");
    }

    /// <summary>The JSON body of a password authentication as the admin, scoped to project admin.</summary>
    public const string AdminAuthBody = """{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"id": "default"}, "password": "admin-secret-pw"}}}, "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}""";

    /// <summary>An admin token from the Kura that <paramref name="http"/> points at.</summary>
    public static async Task<string> AdminTokenAsync(HttpClient http)
    {
        using var response = await http.PostAsync("identity/v3/auth/tokens", new StringContent(AdminAuthBody, System.Text.Encoding.UTF8, "application/json"));
        return response.Headers.GetValues("X-Subject-Token").Single();
    }

    /// <summary>SIGKILL: no clean-up of any kind runs.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
