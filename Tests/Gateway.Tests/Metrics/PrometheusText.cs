using System.Globalization;
using System.Text.RegularExpressions;

namespace DynamoOrleans.Gateway.Tests.Metrics;

/// <summary>A strict reader of the Prometheus text format for tests: every sample line must parse.</summary>
public static partial class PrometheusText
{
    public static List<(string Name, string Labels, double Value)> Parse(string text)
    {
        var samples = new List<(string, string, double)>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith('#'))
            {
                Assert.Matches(CommentLine(), line);
                continue;
            }
            var m = SampleLine().Match(line);
            Assert.True(m.Success, $"bad sample line: {line}");
            var value = m.Groups[3].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            samples.Add((m.Groups[1].Value, m.Groups[2].Value, value));
        }
        return samples;
    }

    public static double Value(List<(string Name, string Labels, double Value)> samples, string name, string labels = "") =>
        samples.Single(s => s.Name == name && s.Labels == labels).Value;

    [GeneratedRegex("""^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$""")]
    private static partial Regex CommentLine();
}
