using System.Globalization;
using System.Text;

namespace DynamoOrleans.Gateway.Metrics;

/// <summary>A Prometheus histogram with fixed upper bounds; observations are lock-free.</summary>
public sealed class Histogram
{
    private readonly double[] _bounds;
    private readonly long[] _counts;
    private long _count;
    private long _sumBits;

    public Histogram(string name, string help, double[] bounds)
    {
        if (bounds.Length == 0) throw new ArgumentException("A histogram needs at least one bucket.", nameof(bounds));
        for (var i = 1; i < bounds.Length; i++)
            if (!(bounds[i] > bounds[i - 1])) throw new ArgumentException("Bucket bounds must increase.", nameof(bounds));
        Name = name;
        Help = help;
        _bounds = bounds;
        _counts = new long[bounds.Length];
    }

    public string Name { get; }

    public string Help { get; }

    public long Count => Interlocked.Read(ref _count);

    public double Sum => BitConverter.Int64BitsToDouble(Interlocked.Read(ref _sumBits));

    /// <summary><paramref name="count"/> bounds from <paramref name="start"/>, each <paramref name="factor"/> times the last.</summary>
    public static double[] LogBuckets(double start, double factor, int count)
    {
        var bounds = new double[count];
        var value = start;
        for (var i = 0; i < count; i++, value *= factor)
            bounds[i] = Math.Round(value, 6);
        return bounds;
    }

    public void Observe(double value)
    {
        var i = Array.BinarySearch(_bounds, value);
        if (i < 0) i = ~i;
        if (i < _counts.Length) Interlocked.Increment(ref _counts[i]);
        Interlocked.Increment(ref _count);
        long seen, next;
        do
        {
            seen = Interlocked.Read(ref _sumBits);
            next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(seen) + value);
        }
        while (Interlocked.CompareExchange(ref _sumBits, next, seen) != seen);
    }

    /// <summary>Appends HELP, TYPE, cumulative buckets, sum and count.</summary>
    public void WriteTo(StringBuilder text)
    {
        text.Append("# HELP ").Append(Name).Append(' ').Append(Help).Append('\n');
        text.Append("# TYPE ").Append(Name).Append(" histogram\n");
        long cumulative = 0;
        for (var i = 0; i < _bounds.Length; i++)
        {
            cumulative += Interlocked.Read(ref _counts[i]);
            text.Append(Name).Append("_bucket{le=\"").Append(_bounds[i].ToString("R", CultureInfo.InvariantCulture)).Append("\"} ")
                .Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        var count = Count;
        text.Append(Name).Append("_bucket{le=\"+Inf\"} ").Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append(Name).Append("_sum ").Append(Sum.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        text.Append(Name).Append("_count ").Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
