using System.ComponentModel.DataAnnotations;

namespace Kura.Dashboard;

/// <summary>The <c>Dashboard</c> section: the web page under <c>/dashboard</c> (docs/DASHBOARD.md).</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>Serve the dashboard; false leaves <c>/dashboard</c> unmapped (404).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Signed-in sessions this node keeps at most; beyond it the oldest is signed out.</summary>
    [Range(1, 1_000_000)]
    public int MaxSessions { get; set; } = 10_000;

    /// <summary>Images per page of the list.</summary>
    [Range(1, 1000)]
    public int PageSize { get; set; } = 25;
}
