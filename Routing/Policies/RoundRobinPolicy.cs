namespace DynamoOrleans.Routing.Policies;

/// <summary>Takes the candidates in turn, ignoring caches and load: the baseline kv routing must beat.</summary>
public sealed class RoundRobinPolicy : IRoutingPolicy
{
    private long _next = -1;

    public string Name => RoutingPolicyNames.RoundRobin;

    public int Pick(in RoutingCandidates candidates) =>
        (int)((ulong)Interlocked.Increment(ref _next) % (ulong)candidates.Count);
}
