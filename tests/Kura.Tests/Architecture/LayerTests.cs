using Kura.Api;
using Kura.Dashboard;
using Kura.Domain.Images;
using Kura.Identity;
using Mono.Cecil;

namespace Kura.Tests.Architecture;

/// <summary>
/// The layering of issue 15: the domain and identity know no web framework, database driver or storage SDK, and
/// no HTTP handler (Kura.Api, Kura.Dashboard) reaches a store; the services stand between them. Read from the IL,
/// so references made inside async state machines and lambdas count.
/// </summary>
public sealed class LayerTests
{
    /// <summary>Namespaces of ASP.NET Core, the database drivers and ADO.NET's provider types, and the storage SDKs.</summary>
    internal static readonly string[] InfrastructureNamespaces =
    [
        "Microsoft.AspNetCore", "Microsoft.Data.Sqlite", "Npgsql", "System.Data.Common", "Amazon",
        "Kura.Blobs", "Kura.Storage",
    ];

    /// <summary>Assemblies of the same: a project reference alone is a violation, even when no type is used yet.</summary>
    internal static readonly string[] InfrastructureAssemblies =
    [
        "Microsoft.AspNetCore", "Microsoft.Data.Sqlite", "Npgsql", "System.Data.Common", "AWSSDK",
        "Kura.Blobs", "Kura.Storage", "SQLitePCLRaw",
    ];

    public static TheoryData<string> CoreAssemblies => [typeof(IImageStore).Assembly.GetName().Name!, typeof(IIdentityStore).Assembly.GetName().Name!];

    public static TheoryData<string> HandlerAssemblies => [typeof(KuraApi).Assembly.GetName().Name!, typeof(DashboardEndpoints).Assembly.GetName().Name!];

    [Theory]
    [MemberData(nameof(CoreAssemblies))]
    public void Domain_and_identity_reference_no_web_framework_driver_or_storage_sdk(string assembly)
    {
        var path = PathOf(assembly);
        var assemblies = ReferenceChecker.AssemblyReferences(path).Where(IsInfrastructureAssembly).ToList();
        var offences = ReferenceChecker.Offences(path, IsInfrastructure);
        Assert.True(assemblies.Count == 0 && offences.Count == 0,
            $"{Path.GetFileName(path)} references infrastructure:\n  "
            + string.Join("\n  ", assemblies.Select(a => "assembly " + a).Concat(offences.Select(o => o.ToString()))));
    }

    [Theory]
    [MemberData(nameof(HandlerAssemblies))]
    public void No_api_or_dashboard_type_touches_a_store(string assembly)
    {
        var path = PathOf(assembly);
        var offences = ReferenceChecker.Offences(path, IsStore);
        Assert.True(offences.Count == 0,
            $"{Path.GetFileName(path)} has types that reach a store:\n  " + string.Join("\n  ", offences));
    }

    [Fact]
    public void The_store_interfaces_are_found()
    {
        Assert.Contains("Kura.Domain.Images.IImageStore", StoreInterfaces);
        Assert.Contains("Kura.Identity.IIdentityStore", StoreInterfaces);
        Assert.Contains("Kura.Domain.Metadefs.IMetadefStore", StoreInterfaces);
        Assert.Contains("Kura.Domain.Imports.ITaskStore", StoreInterfaces);
        Assert.Contains("Kura.Domain.Cluster.ILeaseStore", StoreInterfaces);
        Assert.Contains("Kura.Domain.Blobs.IBlobStore", StoreInterfaces);
    }

    /// <summary>Every interface named I…Store in the domain and identity assemblies.</summary>
    internal static readonly HashSet<string> StoreInterfaces =
    [
        .. new[] { typeof(IImageStore).Assembly, typeof(IIdentityStore).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => t.IsInterface && t.Name.StartsWith('I') && t.Name.EndsWith("Store", StringComparison.Ordinal))
            .Select(t => t.FullName!.Replace('+', '/')),
    ];

    internal static bool IsStore(TypeReference type) =>
        StoreInterfaces.Contains(type.FullName) || StartsWithAny(Outermost(type).Namespace, ["Kura.Storage"]);

    internal static bool IsInfrastructure(TypeReference type) => StartsWithAny(Outermost(type).Namespace, InfrastructureNamespaces);

    private static bool IsInfrastructureAssembly(string name) => StartsWithAny(name, InfrastructureAssemblies);

    private static string PathOf(string assembly) => Path.Combine(AppContext.BaseDirectory, assembly + ".dll");

    private static TypeReference Outermost(TypeReference type)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        return type;
    }

    private static bool StartsWithAny(string name, IEnumerable<string> prefixes) =>
        prefixes.Any(p => name == p || name.StartsWith(p + ".", StringComparison.Ordinal));
}
