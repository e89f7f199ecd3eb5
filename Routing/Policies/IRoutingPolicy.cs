namespace DynamoOrleans.Routing.Policies;

/// <summary>
/// Chooses one worker among the candidates, YARP style: a name and one method. The router calls it
/// only with two or more candidates; it must be safe to call from many threads at once.
/// </summary>
public interface IRoutingPolicy
{
    /// <summary>The name used in configuration: <c>kv</c>, <c>round-robin</c>, <c>random</c>, <c>least-loaded</c>.</summary>
    string Name { get; }

    /// <summary>The index (into <paramref name="candidates"/>) of the chosen worker.</summary>
    int Pick(in RoutingCandidates candidates);
}
