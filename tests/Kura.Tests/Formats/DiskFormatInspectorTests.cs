using Kura.Domain.Formats;

namespace Kura.Tests.Formats;

/// <summary>The inspector against images made by qemu-img, compared with what qemu-img reports.</summary>
public sealed class DiskFormatInspectorTests : IDisposable
{
    private readonly QemuImg _qemu = new();

    public void Dispose() => _qemu.Dispose();

    private static InspectionResult InspectFile(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var head = bytes.AsSpan(0, Math.Min(bytes.Length, DiskFormatInspector.HeadBytes));
        var tail = bytes.AsSpan(Math.Max(0, bytes.Length - DiskFormatInspector.TailBytes));
        return DiskFormatInspector.Inspect(head, tail, bytes.Length);
    }

    [Theory]
    [InlineData("a.qcow2", "qcow2", "64M", "-f", "qcow2")]
    [InlineData("a3.qcow2", "qcow2", "10M", "-f", "qcow2", "-o", "compat=0.10")]
    [InlineData("s.vmdk", "vmdk", "32M", "-f", "vmdk")]
    [InlineData("so.vmdk", "vmdk", "32M", "-f", "vmdk", "-o", "subformat=streamOptimized")]
    [InlineData("d.vhd", "vhd", "20M", "-f", "vpc")]
    [InlineData("f.vhd", "vhd", "20M", "-f", "vpc", "-o", "subformat=fixed")]
    [InlineData("x.vhdx", "vhdx", "48M", "-f", "vhdx")]
    [InlineData("v.vdi", "vdi", "24M", "-f", "vdi")]
    [InlineData("r.raw", "raw", "3M", "-f", "raw")]
    public async Task Recognises_what_qemu_img_makes_and_reads_its_virtual_size_while_streaming(string name, string format, string size, params string[] options)
    {
        var path = _qemu.Create(name, size, options);
        await using var file = File.OpenRead(path);
        await using var stream = new InspectingReadStream(file, format);
        await stream.CopyToAsync(Stream.Null, 4096);
        var result = stream.Result!;
        Assert.Equal(format, result.Format);
        Assert.Null(result.Unsafe);
        var (qemuFormat, virtualSize) = _qemu.Info(name);
        // qemu-img's probe calls a fixed VHD "raw"; its virtual size is the file minus the 512-byte footer.
        Assert.Equal(qemuFormat == "raw" && format == "vhd" ? virtualSize - 512 : virtualSize, result.VirtualSize);
    }

    [Theory]
    [InlineData(8 << 20)]
    [InlineData((1 << 20) + 4096)]
    public async Task A_read_that_crosses_the_end_of_the_head_still_reads_the_vhdx_metadata_beyond_it(int readSize)
    {
        // Found by fuzzing (fuzz/findings/inspect-vhdx-window-in-head-read): when one read completed the head and
        // already held the VHDX metadata window, the window was set up too late and the virtual size was lost.
        var bytes = await File.ReadAllBytesAsync(_qemu.Create("w.vhdx", "16M", "-f", "vhdx"));
        var source = new MemoryStream(bytes);
        source.Position = 0;
        await using var stream = new InspectingReadStream(source, "vhdx");
        var buffer = new byte[readSize];
        Assert.Equal(4096, await stream.ReadAsync(buffer.AsMemory(0, 4096)));
        while (await stream.ReadAsync(buffer) > 0)
        {
        }

        Assert.Equal(new InspectionResult("vhdx", 16 << 20, null), stream.Result);
    }

    [Fact]
    public void A_qcow2_with_a_backing_file_is_unsafe()
    {
        _qemu.Create("base.raw", "1M", "-f", "raw");
        var result = InspectFile(_qemu.Create("child.qcow2", null, "-f", "qcow2", "-b", "base.raw", "-F", "raw"));
        Assert.Equal("qcow2", result.Format);
        Assert.Contains("backing file", result.Unsafe);
    }

    [Fact]
    public void A_qcow2_with_an_external_data_file_is_unsafe()
    {
        var result = InspectFile(_qemu.Create("ext.qcow2", "4M", "-f", "qcow2", "-o", "data_file=ext.raw,data_file_raw=on"));
        Assert.Contains("external data file", result.Unsafe);
    }

    [Fact]
    public void A_vmdk_descriptor_naming_other_files_is_unsafe()
    {
        var result = InspectFile(_qemu.Create("flat.vmdk", "1M", "-f", "vmdk", "-o", "subformat=monolithicFlat"));
        Assert.Equal("vmdk", result.Format);
        Assert.NotNull(result.Unsafe);
    }

    [Fact]
    public void An_iso_is_recognised_by_its_volume_descriptor()
    {
        var iso = new byte[0x8000 + 2048];
        iso[0x8000] = 1;
        "CD001"u8.CopyTo(iso.AsSpan(0x8001));
        BitConverter.TryWriteBytes(iso.AsSpan(0x8000 + 80), 300u);
        BitConverter.TryWriteBytes(iso.AsSpan(0x8000 + 128), (ushort)2048);
        var result = DiskFormatInspector.Inspect(iso, [], iso.Length);
        Assert.Equal(new InspectionResult("iso", 300 * 2048, null), result);
    }

    [Theory]
    [InlineData("raw", "raw", true)]
    [InlineData("raw", "iso", true)]
    [InlineData("raw", "qcow2", false)]
    [InlineData("qcow2", "raw", false)]
    [InlineData("iso", "raw", false)]
    [InlineData("vmdk", "vmdk", true)]
    [InlineData("ami", "qcow2", true)]
    [InlineData("ploop", "raw", true)]
    public void Declared_and_detected_formats_must_agree_where_kura_can_tell(string declared, string detected, bool ok)
    {
        Assert.Equal(ok, DiskFormatInspector.Matches(declared, detected));
    }

    [Fact]
    public async Task The_stream_refuses_a_mismatch_at_the_end_and_an_unsafe_head_early()
    {
        var qcow = await File.ReadAllBytesAsync(_qemu.Create("q.qcow2", "8M", "-f", "qcow2"));
        await using (var asRaw = new InspectingReadStream(new MemoryStream(qcow), "raw"))
        {
            await Assert.ThrowsAsync<ImageFormatException>(() => asRaw.CopyToAsync(Stream.Null));
        }

        _qemu.Create("b.raw", "1M", "-f", "raw");
        var child = await File.ReadAllBytesAsync(_qemu.Create("c.qcow2", null, "-f", "qcow2", "-b", "b.raw", "-F", "raw"));
        var big = new byte[4 * DiskFormatInspector.HeadBytes];
        child.CopyTo(big, 0);
        var source = new MemoryStream(big);
        await using var stream = new InspectingReadStream(source, "qcow2");
        await Assert.ThrowsAsync<ImageFormatException>(() => stream.CopyToAsync(Stream.Null, 64 * 1024));
        Assert.True(source.Position < big.Length, "an unsafe head is refused before the whole image is read");

        await using var good = new InspectingReadStream(new MemoryStream(qcow), "qcow2");
        await good.CopyToAsync(Stream.Null, 1000);
        Assert.Equal(new InspectionResult("qcow2", 8 << 20, null), good.Result);
    }
}
