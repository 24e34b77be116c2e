using System.ComponentModel.DataAnnotations;
using Kura.Domain.Policy;

namespace Kura.Domain.Images;

/// <summary>Limits of the image API (configuration section <c>Images</c>). Defaults are Glance's.</summary>
public sealed class ImageOptions
{
    public const string Section = "Images";

    /// <summary>Page size when a list request gives no <c>limit</c> (Glance <c>limit_param_default</c>).</summary>
    [Range(1, 100_000)]
    public int DefaultListLimit { get; set; } = 25;

    /// <summary>Largest page a list request may ask for (Glance <c>api_limit_max</c>).</summary>
    [Range(1, 100_000)]
    public int MaxListLimit { get; set; } = 1000;

    /// <summary>
    /// Bytes of rendered <c>GET /v2/images</c> pages a node keeps while the catalogue is unchanged (only when it is
    /// the only writer: the embedded SQLite database); 0 turns the cache off.
    /// </summary>
    [Range(0, 1L << 32)]
    public long ListCacheBytes { get; set; } = 16L << 20;

    /// <summary>Largest image in bytes (Glance <c>image_size_cap</c>, 1 TiB).</summary>
    [Range(0, long.MaxValue)]
    public long SizeCap { get; set; } = 1L << 40;

    /// <summary>Bytes of image data one project may store (Glance <c>user_storage_quota</c>); 0 means unlimited.</summary>
    [Range(0, long.MaxValue)]
    public long StorageQuota { get; set; }

    /// <summary>Extra properties per image (Glance <c>image_property_quota</c>).</summary>
    [Range(0, 100_000)]
    public int PropertyQuota { get; set; } = 128;

    /// <summary>Members per image (Glance <c>image_member_quota</c>).</summary>
    [Range(0, 100_000)]
    public int MemberQuota { get; set; } = 128;

    /// <summary>Images a project may own (Glance's unified limit <c>image_count_total</c>); 0 means unlimited.</summary>
    [Range(0, long.MaxValue)]
    public long ImageCountQuota { get; set; }

    /// <summary>Tags per image (Glance <c>image_tag_quota</c>).</summary>
    [Range(0, 100_000)]
    public int TagQuota { get; set; } = 128;

    /// <summary>
    /// The preset's own defaults for keys the configuration leaves out (<paramref name="isSet"/> tells which are
    /// given): NHN lists 100 images per page unless asked for more, and at most 1000.
    /// </summary>
    public void ApplyPresetDefaults(PolicyOptions policy, Func<string, bool> isSet)
    {
        if (policy.Is(PolicyOptions.Nhn))
        {
            if (!isSet(nameof(DefaultListLimit)))
            {
                DefaultListLimit = 100;
            }

            if (!isSet(nameof(MaxListLimit)))
            {
                MaxListLimit = 1000;
            }
        }
    }
}
