namespace DynamoOrleans.Routing.Policies;

/// <summary>Picks uniformly at random; seeded for reproducible tests and simulations.</summary>
public sealed class RandomPolicy(int? seed = null) : IRoutingPolicy
{
    private readonly SharedRandom _random = new(seed);

    public string Name => RoutingPolicyNames.Random;

    public int Pick(in RoutingCandidates candidates) => _random.Next(candidates.Count);
}
