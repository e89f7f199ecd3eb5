using DynamoOrleans.Routing.Policies;

namespace DynamoOrleans.Routing.Tests.Policies;

public sealed class SimplePolicyTests
{
    [Fact]
    public void RoundRobin_CyclesThroughCandidatesInOrder()
    {
        var candidates = new Candidates(3);
        var policy = new RoundRobinPolicy();

        var picks = Enumerable.Range(0, 7).Select(_ => candidates.Pick(policy)).ToArray();

        Assert.Equal([0, 1, 2, 0, 1, 2, 0], picks);
    }

    [Fact]
    public void Random_SeededPicksAreReproducibleAndCoverEveryCandidate()
    {
        var candidates = new Candidates(5);
        var first = new RandomPolicy(seed: 9);
        var second = new RandomPolicy(seed: 9);
        var seen = new HashSet<int>();
        for (var i = 0; i < 200; i++)
        {
            var pick = candidates.Pick(first);
            Assert.Equal(pick, candidates.Pick(second));
            seen.Add(pick);
        }
        Assert.Equal(5, seen.Count);
    }

    [Fact]
    public void LeastLoaded_PicksFewestActiveBlocksIgnoringOverlap()
    {
        var candidates = new Candidates(3);
        candidates.Prefill[0] = 5;
        candidates.Decode[0] = 5;
        candidates.Decode[1] = 3;
        candidates.Prefill[2] = 2;
        candidates.Decode[2] = 9;
        candidates.Overlap[0] = 10;

        Assert.Equal(1, candidates.Pick(new LeastLoadedPolicy(seed: 1)));
    }

    [Fact]
    public void LeastLoaded_Ties_AreSpreadAcrossTheTiedCandidates()
    {
        var candidates = new Candidates(3);
        candidates.Decode[2] = 1;
        var policy = new LeastLoadedPolicy(seed: 4);
        var counts = new int[3];
        for (var i = 0; i < 2000; i++)
            counts[candidates.Pick(policy)]++;

        Assert.Equal(0, counts[2]);
        Assert.InRange(counts[0], 850, 1150);
    }
}
