using System.Globalization;

namespace DynamoOrleans.Grains.Interfaces.Cluster;

/// <summary>
/// A place in the KV event bus, shaped like a Redis stream entry id (<c>ms-seq</c>); the in-memory bus uses
/// (0, n). Positions only grow, so a subscriber resumes after the last one it handled.
/// </summary>
public readonly record struct KvStreamPosition(ulong Milliseconds, ulong Sequence) : IComparable<KvStreamPosition>
{
    /// <summary>Before the first entry: a subscription from here reads everything still retained.</summary>
    public static KvStreamPosition Beginning => default;

    /// <summary>After the last entry at the moment of subscribing: only new events.</summary>
    public static KvStreamPosition End => new(ulong.MaxValue, ulong.MaxValue);

    public int CompareTo(KvStreamPosition other)
    {
        var byMs = Milliseconds.CompareTo(other.Milliseconds);
        return byMs != 0 ? byMs : Sequence.CompareTo(other.Sequence);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Milliseconds}-{Sequence}");

    public static KvStreamPosition Parse(ReadOnlySpan<char> text)
    {
        var dash = text.IndexOf('-');
        if (dash <= 0
            || !ulong.TryParse(text[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || !ulong.TryParse(text[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            throw new FormatException($"'{text}' is not a stream position of the form ms-seq");
        return new KvStreamPosition(ms, seq);
    }

    public static bool operator <(KvStreamPosition left, KvStreamPosition right) => left.CompareTo(right) < 0;
    public static bool operator >(KvStreamPosition left, KvStreamPosition right) => left.CompareTo(right) > 0;
    public static bool operator <=(KvStreamPosition left, KvStreamPosition right) => left.CompareTo(right) <= 0;
    public static bool operator >=(KvStreamPosition left, KvStreamPosition right) => left.CompareTo(right) >= 0;
}
