using Kura.Fuzz;
using SharpFuzz;

// Kura.Fuzz TARGET            under afl-fuzz: reads each input from standard input (SharpFuzz's fork server)
// Kura.Fuzz replay TARGET PATH...  runs every file given (or in the directories given) and names those that fail
if (args is ["replay", var name, .. var paths] && FuzzTargets.All.TryGetValue(name, out var replayed))
{
    var failed = 0;
    var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]).Order(StringComparer.Ordinal).ToList();
    foreach (var file in files)
    {
        try
        {
            replayed(File.ReadAllBytes(file));
        }
        catch (Exception e)
        {
            failed++;
            Console.WriteLine($"FAIL {file}: {e.GetType().Name}: {e.Message}");
        }
    }

    Console.WriteLine($"{name}: {files.Count - failed} inputs handled, {failed} failed");
    return failed == 0 ? 0 : 1;
}

if (args is [var target] && FuzzTargets.All.TryGetValue(target, out var fuzzed))
{
    Fuzzer.Run(stream =>
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        fuzzed(copy.ToArray());
    });
    return 0;
}

Console.Error.WriteLine($"usage: Kura.Fuzz {{{string.Join('|', FuzzTargets.All.Keys)}}} | Kura.Fuzz replay TARGET PATH...");
return 2;
