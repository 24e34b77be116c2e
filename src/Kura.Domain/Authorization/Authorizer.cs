using Kura.Domain.Images;

namespace Kura.Domain.Authorization;

/// <summary>
/// Glance's policy enforcement: each image, member, import and metadef action asks its rule (by Glance's name) about
/// the caller and the target, on top of the ownership and visibility rules the services apply themselves. The rules
/// are <see cref="GlanceRules.Defaults"/> (or <see cref="GlanceRules.Legacy"/>) with an operator's overrides from
/// <c>Policy:File</c>; a rule no one defines falls back to <c>default</c>, as in oslo.policy.
/// </summary>
public sealed class Authorizer
{
    private readonly Dictionary<string, PolicyCheck> _rules;

    /// <summary>
    /// Builds the rule set; <paramref name="overrides"/> (rule name → check string) must name known rules and parse,
    /// or this throws an ArgumentException naming the rule.
    /// </summary>
    public Authorizer(bool newDefaults = true, IReadOnlyDictionary<string, string>? overrides = null)
    {
        _rules = new Dictionary<string, PolicyCheck>(StringComparer.Ordinal);
        foreach (var (name, text) in newDefaults ? GlanceRules.Defaults : GlanceRules.Legacy)
        {
            _rules[name] = PolicyCheck.Parse(text);
        }

        foreach (var (name, text) in overrides ?? new Dictionary<string, string>())
        {
            _rules[name] = Override(name, text);
        }
    }

    /// <summary>
    /// One override, parsed: an ArgumentException when <paramref name="name"/> is not one of Glance's rules or
    /// <paramref name="text"/> is not a check string.
    /// </summary>
    public static PolicyCheck Override(string name, string text)
    {
        if (!GlanceRules.Defaults.ContainsKey(name))
        {
            throw new ArgumentException($"'{name}' is not one of Glance's policy rules.", nameof(name));
        }

        try
        {
            return PolicyCheck.Parse(text);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException($"rule '{name}': {ex.Message}", nameof(text), ex);
        }
    }

    /// <summary>Whether <paramref name="rule"/> allows <paramref name="caller"/> to act on <paramref name="target"/>.</summary>
    public bool Check(string rule, Caller caller, IReadOnlyDictionary<string, string?> target)
    {
        var roles = ImpliedRoles(caller.Roles);
        var credentials = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["project_id"] = caller.ProjectId,
            ["user_id"] = caller.UserId,
        };
        var context = new PolicyContext(roles, credentials, target, EvaluateNamed)
        {
            ServiceRoles = caller.ServiceRoles.Select(r => r.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal),
        };
        credentials["is_admin"] = EvaluateNamed("context_is_admin", context) ? "True" : "False";
        return (_rules.TryGetValue(rule, out var check) || _rules.TryGetValue("default", out check)) && check.Evaluate(context);
    }

    /// <summary>The target of an action on an existing image, as Glance's ImageTarget: its owner is the project.</summary>
    public static Dictionary<string, string?> ImageTarget(Image image, string? memberId = null) => new(StringComparer.Ordinal)
    {
        ["project_id"] = image.Owner,
        ["owner"] = image.Owner,
        ["visibility"] = image.Visibility,
        ["id"] = image.Id,
        ["member_id"] = memberId,
    };

    /// <summary>The target of a create, or of an action without an image (a list): the proposed owner, or the caller's project.</summary>
    public static Dictionary<string, string?> ProjectTarget(Caller caller, string? owner = null, string? visibility = null) => new(StringComparer.Ordinal)
    {
        ["project_id"] = owner ?? caller.ProjectId,
        ["owner"] = owner ?? caller.ProjectId,
        ["visibility"] = visibility ?? ImageVisibility.Private,
    };

    /// <summary>A <c>rule:NAME</c> check: an undefined name denies (only a top-level rule falls back to <c>default</c>).</summary>
    private bool EvaluateNamed(string name, PolicyContext context) => _rules.TryGetValue(name, out var check) && check.Evaluate(context);

    /// <summary>Keystone's default role inference (admin implies member implies reader), so that a token listing only its assigned role passes.</summary>
    private static HashSet<string> ImpliedRoles(IReadOnlyList<string> roles)
    {
        var set = new HashSet<string>(roles.Select(r => r.ToLowerInvariant()), StringComparer.Ordinal);
        if (set.Contains("admin"))
        {
            set.Add("member");
        }

        if (set.Contains("member"))
        {
            set.Add("reader");
        }

        return set;
    }
}
