namespace DynamoOrleans.Engine.Scheduling;

/// <summary>Lower priority value first, then first come first served; the sequence id breaks every tie.</summary>
internal sealed class SequenceOrder : IComparer<Sequence>
{
    public static SequenceOrder Instance { get; } = new();

    public int Compare(Sequence? x, Sequence? y)
    {
        if (ReferenceEquals(x, y))
            return 0;
        if (x is null)
            return -1;
        if (y is null)
            return 1;
        var byPriority = x.Priority.CompareTo(y.Priority);
        return byPriority != 0 ? byPriority : x.Id.CompareTo(y.Id);
    }
}
