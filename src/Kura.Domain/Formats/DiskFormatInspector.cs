using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace Kura.Domain.Formats;

/// <summary>What the first bytes (and the last 512) of an image say it is.</summary>
/// <param name="Format">raw, qcow2, vmdk, vhd, vhdx, vdi or iso.</param>
/// <param name="VirtualSize">The disk size the format declares, when it declares one.</param>
/// <param name="Unsafe">Why the image must not be stored (a backing file, an external data file, foreign extents), or null.</param>
public sealed record InspectionResult(string Format, long? VirtualSize, string? Unsafe);

/// <summary>
/// Recognises disk formats from their headers, as Glance's format inspector does since CVE-2024-32498, without
/// reading more than <see cref="HeadBytes"/> from the front of the image and 512 bytes from its end.
/// </summary>
public static partial class DiskFormatInspector
{
    /// <summary>How much of the front of an image inspection needs (VHDX keeps its region table at 192 KiB).</summary>
    public const int HeadBytes = 1 << 20;

    public const int TailBytes = 512;

    /// <summary>Formats Kura can recognise; a declared format outside this list is not checked against the content.</summary>
    public static readonly string[] Inspectable = ["raw", "qcow2", "vmdk", "vhd", "vhdx", "vdi", "iso"];

    /// <summary>"QFI\xfb".</summary>
    private const uint Qcow2Magic = 0x514649fb;

    private static readonly Guid VhdxMetadataRegion = new("8B7CA206-4790-4B9A-B8FE-575F050F886E");
    private static readonly Guid VhdxVirtualDiskSize = new("2FA54224-CD1B-4876-B211-5DBED83BF4B8");

    /// <param name="head">The first bytes of the image (all of it when it is shorter than <see cref="HeadBytes"/>).</param>
    /// <param name="tail">The last bytes of the image, or empty while the end is not known.</param>
    /// <param name="size">The total size, or null while the end is not known.</param>
    /// <param name="window">Bytes captured further in, at <paramref name="windowOffset"/> (see <see cref="WindowFor"/>).</param>
    /// <param name="windowOffset">Where <paramref name="window"/> starts in the image.</param>
    public static InspectionResult Inspect(ReadOnlySpan<byte> head, ReadOnlySpan<byte> tail, long? size, ReadOnlySpan<byte> window = default, long windowOffset = 0)
    {
        if (head.Length >= 32 && BinaryPrimitives.ReadUInt32BigEndian(head) == Qcow2Magic)
        {
            return Qcow2(head);
        }

        if (head.Length >= 64 && head[..4].SequenceEqual("KDMV"u8))
        {
            return Vmdk(head);
        }

        if (head.StartsWith("# Disk DescriptorFile"u8))
        {
            return new InspectionResult("vmdk", null, "a VMDK descriptor file refers to extents in other files");
        }

        if (head.Length >= 8 && head[..8].SequenceEqual("vhdxfile"u8))
        {
            return new InspectionResult("vhdx", VhdxSize(head, window, windowOffset), null);
        }

        if (head.Length >= 0x178 && BinaryPrimitives.ReadUInt32LittleEndian(head[0x40..]) == 0xbeda107f)
        {
            return Sized("vdi", BinaryPrimitives.ReadUInt64LittleEndian(head[0x170..]), null);
        }

        var footer = tail.Length >= 512 && tail[^512..^504].SequenceEqual("conectix"u8) ? tail[^512..]
            : head.Length >= 512 && head[..8].SequenceEqual("conectix"u8) ? head[..512] : default;
        if (!footer.IsEmpty)
        {
            return Sized("vhd", BinaryPrimitives.ReadUInt64BigEndian(footer[48..]), null);
        }

        // A whole primary volume descriptor (2 KiB at 32 KiB), else the fields below lie beyond the bytes.
        if (head.Length >= 0x8800 && head[0x8001..0x8006].SequenceEqual("CD001"u8))
        {
            var descriptor = head[0x8000..];
            var blocks = BinaryPrimitives.ReadUInt32LittleEndian(descriptor[80..]);
            var blockSize = BinaryPrimitives.ReadUInt16LittleEndian(descriptor[128..]);
            return new InspectionResult("iso", (long)blocks * blockSize, null);
        }

        return new InspectionResult("raw", size, null);
    }

    /// <summary>
    /// Whether content of <paramref name="detected"/> format may be stored as <paramref name="declared"/>: the same
    /// format, or an ISO declared as raw (an ISO is a raw image of a disc). Unknown declared formats are not checked.
    /// </summary>
    public static bool Matches(string declared, string detected) =>
        !Inspectable.Contains(declared) || declared == detected || (declared == "raw" && detected == "iso");

    private static InspectionResult Qcow2(ReadOnlySpan<byte> h)
    {
        var version = BinaryPrimitives.ReadUInt32BigEndian(h[4..]);
        var backingFileOffset = BinaryPrimitives.ReadUInt64BigEndian(h[8..]);
        var virtualSize = BinaryPrimitives.ReadUInt64BigEndian(h[24..]);
        if (backingFileOffset != 0)
        {
            return Sized("qcow2", virtualSize, "a qcow2 image with a backing file");
        }

        if (version >= 3 && h.Length >= 80 && (BinaryPrimitives.ReadUInt64BigEndian(h[72..]) & 0x4) != 0)
        {
            return Sized("qcow2", virtualSize, "a qcow2 image with an external data file");
        }

        return Sized("qcow2", virtualSize, null);
    }

    private static InspectionResult Vmdk(ReadOnlySpan<byte> h)
    {
        // Sector counts are unsigned 64-bit: compared in sectors so that a hostile header cannot overflow them.
        var capacitySectors = BinaryPrimitives.ReadUInt64LittleEndian(h[12..]);
        if (capacitySectors > long.MaxValue / 512)
        {
            return new InspectionResult("vmdk", null, $"a VMDK header whose capacity ({capacitySectors} sectors) is not a size");
        }

        var capacity = (long)capacitySectors * 512;
        var descriptorSector = BinaryPrimitives.ReadUInt64LittleEndian(h[28..]);
        var descriptorSectors = BinaryPrimitives.ReadUInt64LittleEndian(h[36..]);
        var gdOffset = BinaryPrimitives.ReadUInt64LittleEndian(h[56..]);
        if (gdOffset == ulong.MaxValue)
        {
            return new InspectionResult("vmdk", capacity, "a VMDK whose grain directory is in a footer (not inspectable as a stream)");
        }

        if (descriptorSector == 0 || descriptorSectors > (1 << 16) / 512 || descriptorSector + descriptorSectors > (ulong)h.Length / 512)
        {
            return new InspectionResult("vmdk", capacity, "a VMDK without an embedded descriptor");
        }

        var descriptor = Encoding.ASCII.GetString(h.Slice((int)descriptorSector * 512, (int)descriptorSectors * 512)).TrimEnd('\0');
        var createType = CreateTypeRegex().Match(descriptor);
        if (!createType.Success || createType.Groups[1].Value is not ("monolithicSparse" or "streamOptimized"))
        {
            return new InspectionResult("vmdk", capacity, $"a VMDK of create type '{(createType.Success ? createType.Groups[1].Value : "?")}'");
        }

        foreach (Match extent in ExtentRegex().Matches(descriptor))
        {
            var file = extent.Groups[2].Value;
            if (extent.Groups[1].Value != "SPARSE" || file.Contains('/', StringComparison.Ordinal) || file.Contains('\\', StringComparison.Ordinal))
            {
                return new InspectionResult("vmdk", capacity, $"a VMDK extent that refers to '{file}'");
            }
        }

        return new InspectionResult("vmdk", capacity, null);
    }

    /// <summary>
    /// A range beyond the head that inspection needs, known once the head is read: for VHDX, the metadata region
    /// (up to 1 MiB), which qemu-img places at 3 MiB. Null when the head says everything.
    /// </summary>
    public static (long Offset, int Length)? WindowFor(ReadOnlySpan<byte> head)
    {
        if (head.Length < 8 || !head[..8].SequenceEqual("vhdxfile"u8) || VhdxMetadataRegionOf(head) is not { } region)
        {
            return null;
        }

        return region.Offset + region.Length <= head.Length ? null : (region.Offset, (int)Math.Min(region.Length, HeadBytes));
    }

    /// <summary>The metadata region entry of the VHDX region table at 192 KiB.</summary>
    private static (long Offset, long Length)? VhdxMetadataRegionOf(ReadOnlySpan<byte> h)
    {
        const int regionTable = 192 * 1024;
        if (h.Length < regionTable + 16 || !h.Slice(regionTable, 4).SequenceEqual("regi"u8))
        {
            return null;
        }

        var entries = Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(h[(regionTable + 8)..]), 2047u);
        for (var i = 0; i < entries; i++)
        {
            var entry = regionTable + 16 + (i * 32);
            if (entry + 32 > h.Length)
            {
                return null;
            }

            if (new Guid(h.Slice(entry, 16)) == VhdxMetadataRegion)
            {
                var offset = BinaryPrimitives.ReadUInt64LittleEndian(h[(entry + 16)..]);
                return offset <= long.MaxValue / 2 ? ((long)offset, BinaryPrimitives.ReadUInt32LittleEndian(h[(entry + 24)..])) : null;
            }
        }

        return null;
    }

    /// <summary>The virtual disk size item of the VHDX metadata region, found in the head or in the captured window.</summary>
    private static long? VhdxSize(ReadOnlySpan<byte> head, ReadOnlySpan<byte> window, long windowOffset)
    {
        if (VhdxMetadataRegionOf(head) is not { } region)
        {
            return null;
        }

        var metadata = region.Offset + 32 <= head.Length ? head[(int)region.Offset..]
            : region.Offset == windowOffset && window.Length >= 32 ? window : default;
        if (metadata.IsEmpty || !metadata[..8].SequenceEqual("metadata"u8))
        {
            return null;
        }

        var items = BinaryPrimitives.ReadUInt16LittleEndian(metadata[10..]);
        for (var j = 0; j < items; j++)
        {
            var item = 32 + (j * 32);
            if (item + 32 > metadata.Length)
            {
                return null;
            }

            if (new Guid(metadata.Slice(item, 16)) == VhdxVirtualDiskSize)
            {
                var offset = BinaryPrimitives.ReadUInt32LittleEndian(metadata[(item + 16)..]);
                if (offset + 8L > metadata.Length)
                {
                    return null;
                }

                var size = BinaryPrimitives.ReadUInt64LittleEndian(metadata[(int)offset..]);
                return size <= long.MaxValue ? (long)size : null;
            }
        }

        return null;
    }

    /// <summary>A result whose virtual size, read as an unsigned 64-bit field, must fit in a signed one to be a size at all.</summary>
    private static InspectionResult Sized(string format, ulong virtualSize, string? unsafeReason) =>
        virtualSize <= long.MaxValue ? new InspectionResult(format, (long)virtualSize, unsafeReason)
            : new InspectionResult(format, null, unsafeReason ?? $"a {format} header whose virtual size ({virtualSize}) is not a size");

    [GeneratedRegex("""createType\s*=\s*"([^"]*)"  """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex CreateTypeRegex();

    [GeneratedRegex("""^\s*(?:RW|RDONLY|NOACCESS)\s+\d+\s+(\w+)\s+"([^"]*)" """, RegexOptions.Multiline | RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex ExtentRegex();
}
