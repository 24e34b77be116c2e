using System.ComponentModel.DataAnnotations;

namespace Kura.Server;

/// <summary>Where metadata lives (section <c>Database</c>).</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public static readonly string[] Types = ["Sqlite", "Postgres"];

    /// <summary>The metadata backend: <c>Sqlite</c> (embedded, one node) or <c>Postgres</c> (shared by several nodes).</summary>
    [Required]
    public string Type { get; set; } = "Sqlite";

    /// <summary>SQLite file; default <c>{DataDirectory}/kura.db</c>.</summary>
    public string? Path { get; set; }

    /// <summary>PostgreSQL: an Npgsql connection string (<c>Host=…;Port=…;Username=…;Password=…;Database=…</c>).</summary>
    public string? ConnectionString { get; set; }
}

/// <summary>Where image data lives (section <c>Blobs</c>).</summary>
public sealed class BlobOptions
{
    public const string Section = "Blobs";

    public static readonly string[] Types = ["FileSystem", "Swift", "S3"];

    /// <summary>The data backend: <c>FileSystem</c>, <c>Swift</c> (section <c>Blobs:Swift</c>) or <c>S3</c> (section <c>Blobs:S3</c>).</summary>
    [Required]
    public string Type { get; set; } = "FileSystem";

    /// <summary>Root directory of the file-system store; default <c>{DataDirectory}/blobs</c>.</summary>
    public string? Path { get; set; }
}
