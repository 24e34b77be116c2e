using System.Globalization;
using System.Text.RegularExpressions;

namespace Kura.Tests.Support;

/// <summary>
/// Reads the Prometheus text exposition (0.0.4) as Prometheus does: a sample is a name, a set of labels (their order
/// does not matter; <c>name{}</c> is <c>name</c>) and a value.
/// </summary>
public static partial class PrometheusText
{
    public static IEnumerable<(string Name, IReadOnlyDictionary<string, string> Labels, double Value)> Samples(string scrape)
    {
        foreach (var line in scrape.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var match = Sample().Match(line);
            Assert.True(match.Success, $"not a sample line: {line}");
            yield return (match.Groups["name"].Value, Labels(match.Groups["labels"].Value), ParseValue(match.Groups["value"].Value));
        }
    }

    /// <summary>The value of <paramref name="series"/> (<c>name</c> or <c>name{a="x",b="y"}</c>, labels exactly those), 0 when absent.</summary>
    public static double Value(string scrape, string series)
    {
        var wanted = Sample().Match(series + " 0");
        Assert.True(wanted.Success, $"not a series: {series}");
        var name = wanted.Groups["name"].Value;
        var labels = Labels(wanted.Groups["labels"].Value);
        foreach (var sample in Samples(scrape))
        {
            if (sample.Name == name && sample.Labels.Count == labels.Count && labels.All(l => sample.Labels.TryGetValue(l.Key, out var v) && v == l.Value))
            {
                return sample.Value;
            }
        }

        return 0;
    }

    private static Dictionary<string, string> Labels(string text) =>
        Label().Matches(text).ToDictionary(m => m.Groups[1].Value, m => Regex.Unescape(m.Groups[2].Value));

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( \d+)?$""")]
    private static partial Regex Sample();

    [GeneratedRegex("""([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?""")]
    private static partial Regex Label();
}
