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

    /// <summary>
    /// Glance's <c>[oslo_policy] enforce_new_defaults</c>: true (the default) authorizes by today's Glance rules (a
    /// <c>reader</c> only reads, a <c>member</c> writes in its project); false by the rules before secure RBAC, where any
    /// role on a project acts for it (Kura.Domain.Authorization.GlanceRules).
    /// </summary>
    public bool EnforceNewDefaults { get; set; } = true;

    /// <summary>
    /// An oslo.policy YAML file (Glance's <c>policy.yaml</c>) whose rules replace the defaults of the same name; a rule
    /// it leaves out keeps its default. A malformed file, an unknown rule or an unknown check stops start-up.
    /// </summary>
    public string? File { get; set; }

    public bool Is(string preset) => string.Equals(Preset, preset, StringComparison.OrdinalIgnoreCase);
}
