using System.ComponentModel.DataAnnotations;

namespace Kura.Domain.Policy;

/// <summary>
/// Which provider Kura behaves like (configuration section <c>Policy</c>): one key chooses the preset of image rules
/// (<see cref="ImagePolicy.For"/>) and the provider API mounted next to Glance (docs/PROVIDERS.md).
/// </summary>
public sealed class PolicyOptions
{
    public const string Section = "Policy";

    public const string OpenStack = "OpenStack";
    public const string Nhn = "Nhn";
    public const string Conoha = "Conoha";

    public static readonly string[] Presets = [OpenStack, Nhn, Conoha];

    /// <summary><c>OpenStack</c> (plain Glance, the default), <c>Nhn</c> or <c>Conoha</c>.</summary>
    public string Preset { get; set; } = OpenStack;

    /// <summary>ConoHa: a project's image-size quota in bytes until it chooses its own with <c>PUT /v2/quota</c> (50 GB; 1 GB = 2^30 bytes).</summary>
    [Range(1, long.MaxValue)]
    public long ConohaDefaultImageSize { get; set; } = 50L << 30;

    /// <summary>ConoHa: the step in bytes between the quotas a project may choose (500 GB): default, default + step, …</summary>
    [Range(1, long.MaxValue)]
    public long ConohaImageSizeStep { get; set; } = 500L << 30;

    public bool Is(string preset) => string.Equals(Preset, preset, StringComparison.OrdinalIgnoreCase);
}
