namespace DynamoOrleans.Routing.Policies;

/// <summary>A <see cref="Random"/> behind a lock, so a seeded sequence can be shared by concurrent routes.</summary>
internal sealed class SharedRandom(int? seed)
{
    private readonly Lock _gate = new();
    private readonly Random _random = seed is { } s ? new Random(s) : new Random();

    public int Next(int maxExclusive)
    {
        lock (_gate)
            return _random.Next(maxExclusive);
    }

    public double NextDouble()
    {
        lock (_gate)
            return _random.NextDouble();
    }
}
