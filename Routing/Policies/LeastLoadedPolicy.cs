namespace DynamoOrleans.Routing.Policies;

/// <summary>
/// Picks the candidate with the fewest active blocks (prefill plus decode), ignoring caches; ties
/// go to a random one of them so equal workers share the traffic. Disaggregation uses it for decode.
/// </summary>
public sealed class LeastLoadedPolicy(int? seed = null) : IRoutingPolicy
{
    private readonly SharedRandom _random = new(seed);

    public string Name => RoutingPolicyNames.LeastLoaded;

    public int Pick(in RoutingCandidates candidates)
    {
        var best = -1;
        var bestLoad = long.MaxValue;
        var ties = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            var load = (long)candidates.ActivePrefillBlocks[i] + candidates.ActiveDecodeBlocks[i];
            if (load < bestLoad)
            {
                best = i;
                bestLoad = load;
                ties = 1;
            }
            else if (load == bestLoad && _random.Next(++ties) == 0)
            {
                // Reservoir sampling over the tied candidates: each ends up chosen with probability 1/ties.
                best = i;
            }
        }
        return best;
    }
}
