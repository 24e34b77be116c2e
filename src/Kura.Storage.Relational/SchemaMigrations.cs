using System.Globalization;
using System.Reflection;

namespace Kura.Storage.Relational;

/// <summary>A backend's numbered migrations, embedded as <c>Migrations/NNNN_name.sql</c>, in order.</summary>
public static class SchemaMigrations
{
    public static IEnumerable<(int Version, string Name, string Sql)> Embedded(Assembly assembly, string prefix)
    {
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var file = resource[prefix.Length..^".sql".Length];
            var version = int.Parse(file[..4], CultureInfo.InvariantCulture);
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            yield return (version, file[5..], reader.ReadToEnd());
        }
    }
}
