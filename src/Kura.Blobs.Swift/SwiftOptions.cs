using System.ComponentModel.DataAnnotations;

namespace Kura.Blobs.Swift;

/// <summary>OpenStack Swift as the image data store (section <c>Blobs:Swift</c>, with <c>Blobs:Type=Swift</c>).</summary>
public sealed class SwiftOptions : IValidatableObject
{
    public const string Section = "Blobs:Swift";

    public static readonly string[] AuthTypes = ["TempAuth", "Keystone"];

    /// <summary>Smallest segment: the look-ahead that decides between a plain object and a static large object.</summary>
    public const long MinSegmentSize = SwiftBlobStore.LookAhead;

    /// <summary>Swift's default largest single object (<c>max_file_size</c>).</summary>
    public const long MaxSegmentSize = 5L << 30;

    /// <summary><c>TempAuth</c> (v1: <c>X-Auth-User</c>/<c>X-Auth-Key</c> at <see cref="AuthUrl"/>) or <c>Keystone</c> (v3 password auth).</summary>
    [Required]
    public string AuthType { get; set; } = "TempAuth";

    /// <summary>TempAuth: the v1 auth URL (<c>http://swift:8080/auth/v1.0</c>); Keystone: the v3 base (<c>https://keystone:5000/v3</c>).</summary>
    [Required]
    public string AuthUrl { get; set; } = "";

    /// <summary>TempAuth: <c>account:user</c>; Keystone: the user name.</summary>
    [Required]
    public string User { get; set; } = "";

    /// <summary>TempAuth: the key; Keystone: the password. Never logged.</summary>
    [Required]
    public string Key { get; set; } = "";

    /// <summary>Keystone: the project the token is scoped to.</summary>
    public string? ProjectName { get; set; }

    public string UserDomainName { get; set; } = "Default";

    public string ProjectDomainName { get; set; } = "Default";

    /// <summary>Keystone: the catalog region of the object-store endpoint (any when empty).</summary>
    public string? Region { get; set; }

    /// <summary>Keystone: the catalog interface of the object-store endpoint.</summary>
    public string Interface { get; set; } = "public";

    /// <summary>Overrides the storage URL that auth returns (<c>http://swift:8080/v1/AUTH_kura</c>).</summary>
    public string? StorageUrl { get; set; }

    /// <summary>The container of this deployment's images; created if missing.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$")]
    public string Container { get; set; } = "kura";

    /// <summary>The container of large-object segments; default <c>{Container}_segments</c>.</summary>
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9_.-]{0,250}$")]
    public string? SegmentContainer { get; set; }

    /// <summary>
    /// Images larger than the look-ahead (1 MiB) are static large objects of segments this large (bytes; default
    /// 1 GiB, at most Swift's 5 GiB object limit). With Swift's default of 1000 segments per manifest, the largest
    /// image is 1000 × SegmentSize.
    /// </summary>
    [Range(MinSegmentSize, MaxSegmentSize)]
    public long SegmentSize { get; set; } = 1L << 30;

    public string SegmentContainerName => string.IsNullOrEmpty(SegmentContainer) ? Container + "_segments" : SegmentContainer;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!AuthTypes.Contains(AuthType))
        {
            yield return new ValidationResult($"Blobs:Swift:AuthType takes {string.Join(", ", AuthTypes)}.");
        }

        if (AuthType == "Keystone" && string.IsNullOrEmpty(ProjectName))
        {
            yield return new ValidationResult("Blobs:Swift:AuthType Keystone needs Blobs:Swift:ProjectName.");
        }

        if (!Uri.TryCreate(AuthUrl, UriKind.Absolute, out _))
        {
            yield return new ValidationResult("Blobs:Swift:AuthUrl must be an absolute URL.");
        }

        if (SegmentContainerName == Container)
        {
            yield return new ValidationResult("Blobs:Swift:SegmentContainer must differ from Blobs:Swift:Container.");
        }
    }
}
