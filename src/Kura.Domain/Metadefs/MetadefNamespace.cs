using System.Text.Json.Nodes;

namespace Kura.Domain.Metadefs;

/// <summary>
/// A metadata-definition namespace (reference §1.19): a catalog entry that tells dashboards which image
/// properties exist. Its objects, properties, tags and resource-type associations are free-form JSON-schema
/// fragments, kept together in <see cref="Document"/>; the columns a list filters on are typed.
/// </summary>
public sealed class MetadefNamespace
{
    public required string Namespace { get; set; }

    public string? Owner { get; set; }

    public string Visibility { get; set; } = "private";

    public bool Protected { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public long Version { get; set; }

    /// <summary>display_name, description, resource_type_associations[], properties{}, objects[], tags[].</summary>
    public JsonObject Document { get; init; } = [];

    public JsonArray Array(string key) => Document[key] as JsonArray ?? (JsonArray)(Document[key] = new JsonArray());

    public JsonObject Object(string key) => Document[key] as JsonObject ?? (JsonObject)(Document[key] = new JsonObject());
}

public interface IMetadefStore
{
    Task<MetadefNamespace?> FindAsync(string name, CancellationToken ct);

    Task<IReadOnlyList<MetadefNamespace>> ListAsync(CancellationToken ct);

    /// <summary>False when a namespace of that name exists.</summary>
    Task<bool> TryAddAsync(MetadefNamespace ns, CancellationToken ct);

    /// <summary>Saves the namespace stored as <paramref name="storedName"/> if its version is still <paramref name="expectedVersion"/>;
    /// false on a concurrent change, or when a rename collides with another namespace.</summary>
    Task<bool> TryUpdateAsync(string storedName, MetadefNamespace ns, long expectedVersion, CancellationToken ct);

    Task<bool> DeleteAsync(string name, CancellationToken ct);
}
