using System.Diagnostics;

namespace Kura.Tests.Support;

/// <summary>
/// Faults of the shared servers, through the commands scripts/test.sh puts in the environment:
/// <c>KURA_TEST_POSTGRES_RESTART</c> (<c>scripts/postgres.sh restart</c>), <c>KURA_TEST_SWIFT_CONTROL</c>
/// (<c>scripts/swift.sh</c>: proxy-stop, proxy-start) and <c>KURA_TEST_KEYSTONE_CONTROL</c> (<c>scripts/keystone.sh</c>:
/// down, up, freeze, thaw). A test that needs one fails, never skips, when it is not set.
/// </summary>
public static class ServiceControl
{
    public static Task RestartPostgresAsync() => RunAsync("KURA_TEST_POSTGRES_RESTART", "");

    public static Task SwiftAsync(string verb) => RunAsync("KURA_TEST_SWIFT_CONTROL", verb);

    public static Task KeystoneAsync(string verb) => RunAsync("KURA_TEST_KEYSTONE_CONTROL", verb);

    private static async Task RunAsync(string variable, string argument)
    {
        var command = (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{variable} is not set (scripts/test.sh sets it)")) + " " + argument;
        using var process = Process.Start("bash", ["-c", command]);
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"`{command}` exited with {process.ExitCode}");
    }
}
