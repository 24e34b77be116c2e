using System.ComponentModel.DataAnnotations;

namespace Kura.Blobs.S3;

/// <summary>An S3-compatible store as the image data store (section <c>Blobs:S3</c>, with <c>Blobs:Type=S3</c>).</summary>
public sealed class S3Options : IValidatableObject
{
    public const string Section = "Blobs:S3";

    /// <summary>S3's smallest part but the last.</summary>
    public const long MinPartSize = 5L << 20;

    /// <summary>The largest part Kura buffers (two at a time, one uploading while the next is read).</summary>
    public const long MaxPartSize = 1L << 30;

    /// <summary>The endpoint, e.g. <c>http://rgw:8080</c> or <c>https://s3.eu-west-1.amazonaws.com</c>.</summary>
    [Required]
    public string ServiceUrl { get; set; } = "";

    /// <summary>The signing region.</summary>
    [Required]
    public string Region { get; set; } = "us-east-1";

    /// <summary>Path-style addressing (<c>endpoint/bucket/key</c>) instead of virtual hosts; most S3-compatible stores need it.</summary>
    public bool ForcePathStyle { get; set; } = true;

    [Required]
    public string AccessKey { get; set; } = "";

    /// <summary>Never logged.</summary>
    [Required]
    public string SecretKey { get; set; } = "";

    /// <summary>The bucket of this deployment's images; created if missing.</summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    public string Bucket { get; set; } = "kura";

    /// <summary>
    /// Part size of multipart uploads (bytes; default 16 MiB, at least 5 MiB). An image that fits in one part is one
    /// PutObject. Two parts are in memory per upload; the largest image is PartSize × the store's part limit
    /// (10000 on AWS, 1000 on Swift's s3api).
    /// </summary>
    [Range(MinPartSize, MaxPartSize)]
    public long PartSize { get; set; } = 16L << 20;

    /// <summary>Send payloads unsigned (<c>UNSIGNED-PAYLOAD</c>) instead of hashing each part with SHA-256 for SigV4; meant for HTTPS endpoints.</summary>
    public bool UnsignedPayload { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(ServiceUrl, UriKind.Absolute, out _))
        {
            yield return new ValidationResult("Blobs:S3:ServiceUrl must be an absolute URL.");
        }
    }
}
