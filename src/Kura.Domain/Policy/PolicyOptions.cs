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

    /// <summary>ConoHa: a project's image-size quota until it sets its own with <c>PUT /v2/quota</c>, in GB (2^30 bytes).</summary>
    [Range(1, 1_000_000)]
    public int ConohaDefaultImageSizeGb { get; set; } = 50;

    public bool Is(string preset) => string.Equals(Preset, preset, StringComparison.OrdinalIgnoreCase);
}
