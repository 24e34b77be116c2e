using System.ComponentModel.DataAnnotations;

namespace Kura.Domain.Imports;

/// <summary>
/// Interoperable import (configuration section <c>Import</c>), with Glance's <c>[import_filtering_opts]</c> for
/// web-download. Kura adds <see cref="DisallowPrivateAddresses"/>: the host's resolved addresses are checked when
/// the connection is made, so a name that resolves to a loopback or private address is refused too.
/// </summary>
public sealed class ImportOptions
{
    public const string Section = "Import";

    public static readonly string[] KnownMethods = ["glance-direct", "web-download", "copy-image"];

    // Configuration binding appends to an array that already has items, so the list defaults below are applied
    // after binding, and only to lists the configuration does not mention (see ApplyListDefaults).

    /// <summary>Import methods offered (Glance <c>enabled_import_methods</c>); default: all three.</summary>
    public string[] EnabledMethods { get; set; } = [];

    /// <summary>Default: http, https.</summary>
    public string[] AllowedSchemes { get; set; } = [];

    public string[] DisallowedSchemes { get; set; } = [];

    /// <summary>When not empty, only these hosts may be fetched.</summary>
    public string[] AllowedHosts { get; set; } = [];

    public string[] DisallowedHosts { get; set; } = [];

    /// <summary>Default: 80, 443.</summary>
    public int[] AllowedPorts { get; set; } = [];

    public int[] DisallowedPorts { get; set; } = [];

    /// <summary>Refuse hosts that resolve to loopback, link-local, private or unspecified addresses.</summary>
    public bool DisallowPrivateAddresses { get; set; } = true;

    /// <summary>How many imports run at once on one node.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 2;

    /// <summary>Fills the lists the configuration left unset with Glance's defaults.</summary>
    public void ApplyListDefaults(Func<string, bool> configured)
    {
        if (!configured(nameof(EnabledMethods)))
        {
            EnabledMethods = [.. KnownMethods];
        }

        if (!configured(nameof(AllowedSchemes)))
        {
            AllowedSchemes = ["http", "https"];
        }

        if (!configured(nameof(AllowedPorts)))
        {
            AllowedPorts = [80, 443];
        }
    }

    /// <summary>How long finished tasks are kept (Glance <c>task_time_to_live</c>, 48 h).</summary>
    public TimeSpan TaskTimeToLive { get; set; } = TimeSpan.FromHours(48);
}
