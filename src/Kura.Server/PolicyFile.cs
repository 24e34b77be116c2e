using Kura.Domain.Authorization;
using Kura.Domain.Policy;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kura.Server;

/// <summary>
/// Reads <c>Policy:File</c>, an oslo.policy YAML document (<c>"rule_name": "check string"</c> per line, as Glance's
/// policy.yaml), into the <see cref="Authorizer"/>. Anything wrong with it stops start-up with a message that names
/// the file, the line and the rule.
/// </summary>
public static class PolicyFile
{
    public static Authorizer Authorizer(PolicyOptions options) =>
        new(options.EnforceNewDefaults, options.File is { Length: > 0 } path ? Read(path) : null);

    public static Dictionary<string, string> Read(string path)
    {
        if (!System.IO.File.Exists(path))
        {
            throw new InvalidOperationException($"Policy:File {path} does not exist.");
        }

        var rules = new Dictionary<string, string>(StringComparer.Ordinal);
        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            yaml.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new InvalidOperationException($"Policy:File {path}, line {ex.Start.Line}: {ex.Message}", ex);
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return rules; // an empty file overrides nothing
        }

        if (yaml.Documents[0].RootNode is not YamlMappingNode mapping)
        {
            throw new InvalidOperationException($"Policy:File {path}, line {yaml.Documents[0].RootNode.Start.Line}: the file must be a mapping of rule names to check strings.");
        }

        foreach (var (key, value) in mapping.Children)
        {
            if (key is not YamlScalarNode { Value: { } name } || value is not YamlScalarNode { Value: var check })
            {
                throw new InvalidOperationException($"Policy:File {path}, line {key.Start.Line}: each rule must be a name and a check string.");
            }

            rules[name] = check ?? string.Empty; // YamlDotNet refuses a key given twice

            try
            {
                _ = Kura.Domain.Authorization.Authorizer.Override(name, rules[name]);
            }
            catch (ArgumentException ex)
            {
                throw new InvalidOperationException($"Policy:File {path}, line {key.Start.Line}: {ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal)}", ex);
            }
        }

        return rules;
    }
}
