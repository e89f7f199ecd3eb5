using System.Globalization;

namespace DynamoOrleans.Serving.Bench;

/// <summary>Percentiles of a set of latencies in microseconds (nearest rank).</summary>
public static class Latencies
{
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
            return double.NaN;
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }

    public static List<double> Sorted(IEnumerable<double> values)
    {
        var list = values.Where(v => !double.IsNaN(v)).ToList();
        list.Sort();
        return list;
    }

    public static string Ms(double microseconds) => (microseconds / 1000).ToString("F2", CultureInfo.InvariantCulture);
}
