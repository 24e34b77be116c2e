using Kura.Fuzz;

namespace Kura.Tests.Reliability;

/// <summary>
/// Every input the fuzzers keep, replayed through the same targets and oracles that scripts/fuzz.sh runs under
/// afl-fuzz: the seeds and minimized queues in fuzz/corpus, and each crash, hang or wrong verdict in fuzz/findings.
/// The inspector also gets whole images from qemu-img, larger than afl-fuzz's 1 MiB inputs.
/// </summary>
public sealed class FuzzCorpusTests : IDisposable
{
    private readonly QemuImg _qemu = new();

    public void Dispose() => _qemu.Dispose();

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { "corpus", "findings" })
        {
            var root = Path.Combine(AppContext.BaseDirectory, "fuzz", kind);
            foreach (var target in FuzzTargets.All.Keys.Where(t => Directory.Exists(Path.Combine(root, t))))
            {
                foreach (var file in Directory.EnumerateFiles(Path.Combine(root, target)).Order(StringComparer.Ordinal))
                {
                    data.Add(target, Path.GetRelativePath(AppContext.BaseDirectory, file));
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void A_kept_input_is_handled(string target, string path) =>
        FuzzTargets.All[target](File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, path)));

    [Fact]
    public void The_corpus_and_the_findings_were_copied()
    {
        var kept = Inputs().Select(row => (string)row[0]).ToHashSet();
        Assert.Subset(kept, FuzzTargets.All.Keys.ToHashSet());
        Assert.Contains(Inputs(), row => ((string)row[1]).StartsWith(Path.Combine("fuzz", "findings"), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("a.qcow2", "64M", "-f", "qcow2")]
    [InlineData("s.vmdk", "32M", "-f", "vmdk")]
    [InlineData("so.vmdk", "32M", "-f", "vmdk", "-o", "subformat=streamOptimized")]
    [InlineData("d.vhd", "20M", "-f", "vpc")]
    [InlineData("f.vhd", "2M", "-f", "vpc", "-o", "subformat=fixed")]
    [InlineData("x.vhdx", "16M", "-f", "vhdx")]
    [InlineData("v.vdi", "24M", "-f", "vdi")]
    [InlineData("st.vdi", "2M", "-f", "vdi", "-o", "static=on")]
    [InlineData("r.raw", "3M", "-f", "raw")]
    public void A_whole_image_from_qemu_img_is_handled(string name, string size, params string[] options) =>
        FuzzTargets.Inspect(File.ReadAllBytes(_qemu.Create(name, size, options)));
}
