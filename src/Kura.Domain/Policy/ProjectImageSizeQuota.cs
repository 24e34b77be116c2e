using System.Globalization;
using Kura.Domain.Images;

namespace Kura.Domain.Policy;

/// <summary>
/// ConoHa: every project has an image-size quota, its own (set with <c>PUT /v2/quota</c>, stored per project) or
/// else <paramref name="defaultBytes"/>; a project chooses among default + n × <paramref name="stepBytes"/>. Uploads and imports past it are refused with 413, as Glance does.
/// </summary>
public sealed class ProjectImageSizeQuota(IImageStore store, long defaultBytes, long stepBytes) : IImageRule
{
    public long DefaultBytes => defaultBytes;

    public long StepBytes => stepBytes;

    /// <summary>A quota a project may choose: the default plus a whole number of steps (ConoHa: 50 GB + n × 500 GB).</summary>
    public void CheckPlan(long bytes)
    {
        if (bytes < defaultBytes || (bytes - defaultBytes) % stepBytes != 0)
        {
            throw KuraException.BadRequest(
                $"Invalid image_size: it must be {Format(defaultBytes)} plus a multiple of {Format(stepBytes)}.");
        }
    }

    public async ValueTask<long?> StorageQuotaAsync(string owner, CancellationToken ct) =>
        await store.FindStorageQuotaAsync(owner, ct) ?? defaultBytes;

    /// <summary>ConoHa's notation: <c>"50GB"</c> (1 GB = 2^30 bytes); a size that is no whole number of GB gets decimals.</summary>
    public static string Format(long bytes) =>
        (bytes / (decimal)Gigabyte).ToString("0.############", CultureInfo.InvariantCulture) + "GB";

    /// <summary>Reads <c>"550GB"</c> (decimals allowed) as bytes; null unless it is a whole number of bytes in that notation.</summary>
    public static long? Parse(string text)
    {
        if (!text.EndsWith("GB", StringComparison.Ordinal) ||
            !decimal.TryParse(text[..^2], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var gb) ||
            gb > long.MaxValue / Gigabyte)
        {
            return null;
        }

        var bytes = gb * Gigabyte;
        return bytes == decimal.Truncate(bytes) ? (long)bytes : null;
    }

    private const long Gigabyte = 1L << 30;
}
