using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Kura.Tests.Support;

/// <summary>Makes real disk images with Debian's qemu-img (package qemu-utils, installed by scripts/test.sh).</summary>
public sealed class QemuImg : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("kura-qemu-").FullName;

    public string Path(string name) => System.IO.Path.Combine(Directory, name);

    /// <summary>Runs <c>qemu-img create OPTIONS NAME [SIZE]</c> in the temporary directory and returns the path of <paramref name="name"/>.</summary>
    public string Create(string name, string? size, params string[] options)
    {
        Run(size is null ? ["create", .. options, name] : ["create", .. options, name, size]);
        return Path(name);
    }

    /// <summary>What qemu-img itself says the format and virtual size are.</summary>
    public (string Format, long VirtualSize) Info(string name)
    {
        var json = JsonNode.Parse(Run(["info", "--output=json", name]))!;
        return (json["format"]!.GetValue<string>(), json["virtual-size"]!.GetValue<long>());
    }

    private string Run(string[] args)
    {
        var start = new ProcessStartInfo("qemu-img") { WorkingDirectory = Directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("qemu-img did not start (install qemu-utils)");
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"qemu-img {string.Join(' ', args)} failed: {error}");
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
