using System.ComponentModel.DataAnnotations;

namespace Kura.Domain.Cluster;

/// <summary>How nodes sharing one database notice each other (section <c>Cluster</c>).</summary>
public sealed class ClusterOptions
{
    public const string Section = "Cluster";

    /// <summary>How often a node renews its lease and looks for work a dead node left behind.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a node counts as alive after its last renewal. An upload or import of a node silent for this long
    /// is rolled back by another node. Must be well above <see cref="HeartbeatInterval"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// True when this node is the only one that can use the database (the embedded SQLite default): at start it
    /// treats every earlier lease as dead at once instead of waiting for it to run out.
    /// </summary>
    public bool SingleNode { get; set; }
}
