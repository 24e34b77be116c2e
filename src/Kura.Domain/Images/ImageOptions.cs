using System.ComponentModel.DataAnnotations;

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
}
