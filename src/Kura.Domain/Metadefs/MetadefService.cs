using System.Globalization;
using System.Text.Json.Nodes;
using Kura.Domain.Authorization;

namespace Kura.Domain.Metadefs;

/// <summary>
/// Glance's metadata definitions catalog (reference §1.19). Writes are admin-only; public namespaces are readable
/// by everyone, private ones by their owner and admins (others get 404).
/// </summary>
public sealed class MetadefService(IMetadefStore store, TimeProvider clock, Authorizer authz)
{
    /// <summary>The resource types Glance seeds (<c>glance-manage db_load_metadefs</c>).</summary>
    public static readonly string[] ResourceTypes =
    [
        "OS::Glance::Image", "OS::Cinder::Volume", "OS::Nova::Flavor", "OS::Nova::Aggregate", "OS::Nova::Server",
        "OS::Trove::Instance", "OS::Glance::Snapshot", "OS::Cinder::Snapshot",
    ];

    public DateTimeOffset SeededAt { get; } = new(2014, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public async Task<IReadOnlyList<MetadefNamespace>> ListAsync(Caller caller, CancellationToken ct)
    {
        Require(caller, "get_metadef_namespaces", Authorizer.ProjectTarget(caller));
        return (await store.ListAsync(ct)).Where(ns => CanRead(caller, ns)).ToList();
    }

    public async Task<MetadefNamespace> GetAsync(Caller caller, string name, CancellationToken ct)
    {
        var ns = await store.FindAsync(name, ct);
        return ns is not null && CanRead(caller, ns) ? ns : throw NotFound(name);
    }

    public async Task<MetadefNamespace> CreateAsync(Caller caller, MetadefNamespace ns, CancellationToken ct)
    {
        RequireAdmin(caller, "add_metadef_namespace");
        Validate(ns);
        ns.Owner ??= caller.ProjectId;
        ns.UpdatedAt = ns.CreatedAt;
        return await store.TryAddAsync(ns, ct)
            ? ns
            : throw KuraException.Conflict($"Metadata definition namespace={ns.Namespace} already exists.");
    }

    /// <summary>Replaces the namespace's own fields (name, display name, description, visibility, protected).</summary>
    public Task<MetadefNamespace> UpdateAsync(Caller caller, string name, Action<MetadefNamespace> change, CancellationToken ct) =>
        MutateAsync(caller, name, "modify_metadef_namespace", ns =>
        {
            change(ns);
            Validate(ns);
        }, ct);

    public async Task DeleteAsync(Caller caller, string name, CancellationToken ct)
    {
        RequireAdmin(caller, "delete_metadef_namespace");
        var ns = await GetAsync(caller, name, ct);
        if (ns.Protected)
        {
            throw KuraException.Forbidden($"Namespace {name} is protected and cannot be deleted.");
        }

        if (!await store.DeleteAsync(name, ct))
        {
            throw NotFound(name);
        }
    }

    /// <summary>
    /// Loads a namespace, applies <paramref name="change"/> to it and saves it with an optimistic version check,
    /// retrying on a concurrent write. Used for the namespace itself and for its objects, properties, tags and
    /// resource-type associations.
    /// </summary>
    public async Task<MetadefNamespace> MutateAsync(Caller caller, string name, string action, Action<MetadefNamespace> change, CancellationToken ct)
    {
        RequireAdmin(caller, action);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var ns = await GetAsync(caller, name, ct);
            var version = ns.Version;
            change(ns);
            ns.UpdatedAt = clock.GetUtcNow();
            if (await store.TryUpdateAsync(name, ns, version, ct))
            {
                return ns;
            }

            if (ns.Namespace != name && await store.FindAsync(ns.Namespace, ct) is not null)
            {
                throw KuraException.Conflict($"Metadata definition namespace={ns.Namespace} already exists.");
            }
        }

        throw KuraException.Conflict($"Namespace {name} was changed by other requests at the same time; try again.");
    }

    public string Now() => clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The element of <paramref name="items"/> whose "name" is <paramref name="name"/>, or null.</summary>
    public static JsonObject? Named(JsonArray items, string name) =>
        items.OfType<JsonObject>().FirstOrDefault(i => (string?)i["name"] == name);

    private bool CanRead(Caller caller, MetadefNamespace ns) =>
        (caller.IsAdmin || ns.Visibility == "public" || (ns.Owner is not null && ns.Owner == caller.ProjectId)) &&
        authz.Check("get_metadef_namespace", caller, Target(ns));

    /// <summary>Writes are the policy's <c>metadef_admin</c> rules (admin in Glance's defaults and before them).</summary>
    private void RequireAdmin(Caller caller, string action) => Require(caller, action, Authorizer.ProjectTarget(caller));

    private void Require(Caller caller, string rule, IReadOnlyDictionary<string, string?> target)
    {
        if (!authz.Check(rule, caller, target))
        {
            throw KuraException.Forbidden($"You are not authorized to complete {rule} action.");
        }
    }

    private static Dictionary<string, string?> Target(MetadefNamespace ns) => new(StringComparer.Ordinal)
    {
        ["project_id"] = ns.Owner,
        ["owner"] = ns.Owner,
        ["visibility"] = ns.Visibility,
    };

    private static void Validate(MetadefNamespace ns)
    {
        if (string.IsNullOrWhiteSpace(ns.Namespace) || ns.Namespace.Length > 80)
        {
            throw KuraException.BadRequest("Provided object does not match schema 'namespace': 'namespace' must be 1 to 80 characters");
        }

        if (ns.Visibility is not ("public" or "private"))
        {
            throw KuraException.BadRequest($"Provided object does not match schema 'namespace': '{ns.Visibility}' is not one of ['public', 'private']");
        }
    }

    public static KuraException NotFound(string name) => KuraException.NotFound($"Metadata definition namespace={name} was not found.");
}
