using System.Globalization;
using System.Text;

namespace Kura.Domain.Authorization;

/// <summary>What a check is evaluated against: the caller's credentials, the target's attributes and the named rules.</summary>
public sealed record PolicyContext(
    IReadOnlySet<string> Roles,
    IReadOnlyDictionary<string, string?> Credentials,
    IReadOnlyDictionary<string, string?> Target,
    Func<string, PolicyContext, bool> Rule)
{
    /// <summary>The roles of the request's service token (<c>service_roles</c> in oslo.context's credentials).</summary>
    public IReadOnlySet<string> ServiceRoles { get; init; } = new HashSet<string>();
}

/// <summary>
/// One check of oslo.policy's language (the syntax of Glance's policy file): <c>@</c>, <c>!</c>,
/// <c>role:NAME</c>, <c>rule:NAME</c>, <c>KEY:VALUE</c> (a credential, or a quoted literal, compared with a value
/// that may name a target attribute as <c>%(name)s</c>), joined with <c>and</c>, <c>or</c>, <c>not</c> and
/// parentheses. An empty check string allows everything.
/// </summary>
public abstract record PolicyCheck
{
    public abstract bool Evaluate(PolicyContext context);

    /// <summary>Parses <paramref name="text"/>; a FormatException says what is wrong and where.</summary>
    public static PolicyCheck Parse(string text) => new Parser(text).ParseAll();

    public sealed record Always(bool Result) : PolicyCheck
    {
        public override bool Evaluate(PolicyContext context) => Result;
    }

    public sealed record And(PolicyCheck Left, PolicyCheck Right) : PolicyCheck
    {
        public override bool Evaluate(PolicyContext context) => Left.Evaluate(context) && Right.Evaluate(context);
    }

    public sealed record Or(PolicyCheck Left, PolicyCheck Right) : PolicyCheck
    {
        public override bool Evaluate(PolicyContext context) => Left.Evaluate(context) || Right.Evaluate(context);
    }

    public sealed record Not(PolicyCheck Inner) : PolicyCheck
    {
        public override bool Evaluate(PolicyContext context) => !Inner.Evaluate(context);
    }

    /// <summary><c>role:NAME</c>: the caller holds the role (case-insensitive; NAME may be <c>%(attr)s</c> of the target).</summary>
    public sealed record Role(string Match) : PolicyCheck
    {
        public override bool Evaluate(PolicyContext context) =>
            Substitute(Match, context.Target) is { } role && context.Roles.Contains(role.ToLowerInvariant());
    }

    /// <summary><c>rule:NAME</c>: the named rule allows it (an unknown name denies).</summary>
    public sealed record Rule(string Name) : PolicyCheck
    {
        public override bool Evaluate(PolicyContext context) => context.Rule(Name, context);
    }

    /// <summary>
    /// <c>KEY:VALUE</c>: the credential KEY (<c>project_id</c>, <c>user_id</c>, <c>is_admin</c>, …) equals VALUE after
    /// <c>%(attr)s</c> is replaced from the target; a quoted KEY (<c>'public'</c>) is a literal instead. A missing
    /// target attribute or credential denies.
    /// </summary>
    public sealed record Generic(string Key, string Match) : PolicyCheck
    {
        public override bool Evaluate(PolicyContext context)
        {
            if (Substitute(Match, context.Target) is not { } value)
            {
                return false;
            }

            if (Key.Length >= 2 && Key[0] is '\'' or '"' && Key[^1] == Key[0])
            {
                return Key[1..^1] == value;
            }

            // A list credential matches when it holds the value, as oslo.policy reads one.
            return Key switch
            {
                "roles" => context.Roles.Contains(value.ToLowerInvariant()),
                "service_roles" => context.ServiceRoles.Contains(value.ToLowerInvariant()),
                _ => context.Credentials.TryGetValue(Key, out var credential) && credential is not null && credential == value,
            };
        }
    }

    /// <summary>Replaces every <c>%(name)s</c> with the target's value; null when one is missing or null.</summary>
    private static string? Substitute(string match, IReadOnlyDictionary<string, string?> target)
    {
        if (!match.Contains("%(", StringComparison.Ordinal))
        {
            return match;
        }

        var result = new StringBuilder();
        for (var i = 0; i < match.Length; i++)
        {
            if (match[i] == '%' && i + 1 < match.Length && match[i + 1] == '(')
            {
                var close = match.IndexOf(")s", i, StringComparison.Ordinal);
                if (close < 0 || !target.TryGetValue(match[(i + 2)..close], out var value) || value is null)
                {
                    return null;
                }

                result.Append(value);
                i = close + 1;
            }
            else
            {
                result.Append(match[i]);
            }
        }

        return result.ToString();
    }

    /// <summary>A recursive-descent reading of the language: or &lt; and &lt; not &lt; a check or a parenthesised expression.</summary>
    private sealed class Parser(string text)
    {
        private readonly List<(string Token, int At)> _tokens = Tokenize(text);
        private int _next;

        public PolicyCheck ParseAll()
        {
            if (_tokens.Count == 0)
            {
                return new Always(true);
            }

            var check = ParseOr();
            return _next == _tokens.Count ? check : throw Error($"unexpected '{_tokens[_next].Token}'", _tokens[_next].At);
        }

        private PolicyCheck ParseOr()
        {
            var left = ParseAnd();
            while (Accept("or"))
            {
                left = new Or(left, ParseAnd());
            }

            return left;
        }

        private PolicyCheck ParseAnd()
        {
            var left = ParseNot();
            while (Accept("and"))
            {
                left = new And(left, ParseNot());
            }

            return left;
        }

        private PolicyCheck ParseNot() => Accept("not") ? new Not(ParseNot()) : ParseAtom();

        private PolicyCheck ParseAtom()
        {
            if (_next == _tokens.Count)
            {
                throw Error("a check is missing at the end", text.Length);
            }

            var (token, at) = _tokens[_next++];
            switch (token)
            {
                case "(":
                    var inner = ParseOr();
                    return Accept(")") ? inner : throw Error("a ')' is missing", _next < _tokens.Count ? _tokens[_next].At : text.Length);
                case "@":
                    return new Always(true);
                case "!":
                    return new Always(false);
                case ")" or "and" or "or" or "not":
                    throw Error($"unexpected '{token}'", at);
            }

            var colon = token.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == token.Length - 1)
            {
                throw Error($"'{token}' is not a check (KIND:VALUE, @ or !)", at);
            }

            var (kind, match) = (token[..colon], token[(colon + 1)..]);
            return kind switch
            {
                "role" => new Role(match),
                "rule" => new Rule(match),
                "http" or "https" => throw Error($"'{token}': remote (http) checks are not supported", at),
                _ => new Generic(kind, match),
            };
        }

        private bool Accept(string token)
        {
            if (_next < _tokens.Count && _tokens[_next].Token == token)
            {
                _next++;
                return true;
            }

            return false;
        }

        private FormatException Error(string what, int at) =>
            new(string.Create(CultureInfo.InvariantCulture, $"{what} at character {at + 1} of \"{text}\""));

        private static List<(string, int)> Tokenize(string text)
        {
            var tokens = new List<(string, int)>();
            var i = 0;
            while (i < text.Length)
            {
                if (char.IsWhiteSpace(text[i]))
                {
                    i++;
                    continue;
                }

                if (text[i] is '(' or ')')
                {
                    tokens.Add((text[i].ToString(), i));
                    i++;
                    continue;
                }

                var start = i;
                char? quote = null;
                while (i < text.Length && (quote is not null || (!char.IsWhiteSpace(text[i]) && text[i] is not ('(' or ')')) || IsSubstitution(text, i)))
                {
                    if (text[i] is '\'' or '"')
                    {
                        quote = quote == text[i] ? null : quote ?? text[i];
                    }

                    // %(name)s keeps its parentheses inside the token.
                    i = IsSubstitution(text, i) ? text.IndexOf(")s", i, StringComparison.Ordinal) + 2 : i + 1;
                }

                if (quote is not null)
                {
                    throw new FormatException($"a quote is not closed at character {start + 1} of \"{text}\"");
                }

                tokens.Add((text[start..i], start));
            }

            return tokens;
        }

        private static bool IsSubstitution(string text, int i) =>
            text[i] == '%' && i + 1 < text.Length && text[i + 1] == '(' && text.IndexOf(")s", i, StringComparison.Ordinal) > i;
    }
}
