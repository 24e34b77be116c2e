using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Kura.Dashboard;

/// <summary>
/// A piece of HTML that is already safe to write. Pages are built with <see cref="H"/>: every interpolated value is
/// HTML-encoded unless it is itself <see cref="Html"/>, so no image name, property or message can inject markup.
/// </summary>
public readonly struct Html(string value)
{
    /// <summary>Encodes everything outside Unicode's letters, so Japanese stays readable in the source of the page.</summary>
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    public static readonly Html Empty = new(string.Empty);

    public string Value => value ?? string.Empty;

    public override string ToString() => Value;

    public static Html H(ref Handler handler) => new(handler.ToStringAndClear());

    public static Html Join(IEnumerable<Html> parts) => new(string.Concat(parts.Select(p => p.Value)));

    public static Html When(bool condition, Html html) => condition ? html : Empty;

    public static string Encode(string? text) => Encoder.Encode(text ?? string.Empty);

    [InterpolatedStringHandler]
    public ref struct Handler(int literalLength, int formattedCount)
    {
        private DefaultInterpolatedStringHandler _inner = new(literalLength, formattedCount, CultureInfo.InvariantCulture);

        public void AppendLiteral(string literal) => _inner.AppendLiteral(literal);

        public void AppendFormatted(Html html) => _inner.AppendLiteral(html.Value);

        public void AppendFormatted(string? text) => _inner.AppendLiteral(Encode(text));

        public void AppendFormatted<T>(T value)
        {
            switch (value)
            {
                case Html html:
                    AppendFormatted(html);
                    break;
                case IEnumerable<Html> parts:
                    AppendFormatted(Join(parts));
                    break;
                default:
                    AppendFormatted(Convert.ToString(value, CultureInfo.InvariantCulture));
                    break;
            }
        }

        public string ToStringAndClear() => _inner.ToStringAndClear();
    }
}
