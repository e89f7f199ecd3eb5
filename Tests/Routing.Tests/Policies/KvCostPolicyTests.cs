using DynamoOrleans.Routing.Policies;

namespace DynamoOrleans.Routing.Tests.Policies;

public sealed class KvCostPolicyTests
{
    [Fact]
    public void Pick_IdleWorkers_PrefersTheLargestOverlap()
    {
        var candidates = new Candidates(3) { PromptBlocks = 10 };
        candidates.Overlap[1] = 8;
        candidates.Overlap[2] = 3;

        Assert.Equal(1, candidates.Pick(new KvCostPolicy(seed: 1)));
    }

    [Fact]
    public void Pick_OverlapWorkerIsBusy_LoadOutweighsOverlap()
    {
        var candidates = new Candidates(2) { PromptBlocks = 10 };
        candidates.Overlap[0] = 8;
        candidates.Prefill[0] = 40;

        // Worker 0: prefill 40 + 2 = 42, decode 2 → 44. Worker 1: prefill 10, decode 10 → 20.
        Assert.Equal(1, candidates.Pick(new KvCostPolicy(seed: 1)));
    }

    [Fact]
    public void Cost_FollowsTheFormula()
    {
        var candidates = new Candidates(1) { PromptBlocks = 10 };
        candidates.Overlap[0] = 4;
        candidates.Prefill[0] = 5;
        candidates.Decode[0] = 7;
        var policy = new KvCostPolicy(prefillScale: 2.0);
        var routing = new RoutingCandidates(candidates.Workers, candidates.Overlap, candidates.Cached, candidates.Prefill, candidates.Decode, 10, 3);

        // prefill = 5 + (10 − 4) = 11; decode = 7 + 6 + 3 = 16; cost = 2·11 + 16.
        Assert.Equal(38.0, policy.Cost(routing, 0));
    }

    [Fact]
    public void Pick_EqualCosts_FewestCachedBlocksWins()
    {
        var candidates = new Candidates(3);
        candidates.Cached[0] = 500;
        candidates.Cached[1] = 20;
        candidates.Cached[2] = 300;

        Assert.Equal(1, candidates.Pick(new KvCostPolicy(seed: 1)));
    }

    [Fact]
    public void Pick_FullTie_SpreadsRandomlyAndReproduciblyWithASeed()
    {
        var candidates = new Candidates(4);
        var first = new KvCostPolicy(seed: 42);
        var second = new KvCostPolicy(seed: 42);
        var counts = new int[4];
        for (var i = 0; i < 4000; i++)
        {
            var pick = candidates.Pick(first);
            Assert.Equal(pick, candidates.Pick(second));
            counts[pick]++;
        }
        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
    }

    [Fact]
    public void Pick_Temperature_SamplesWithSoftmaxOfNormalizedCost()
    {
        // An empty prompt leaves decode load alone in the cost: 10, 15 and 20.
        var candidates = new Candidates(3) { PromptBlocks = 0 };
        candidates.Decode[0] = 10;
        candidates.Decode[1] = 15;
        candidates.Decode[2] = 20;
        var policy = new KvCostPolicy(temperature: 0.5, seed: 3);
        var counts = new int[3];
        const int Samples = 60_000;
        for (var i = 0; i < Samples; i++)
            counts[candidates.Pick(policy)]++;

        // p ∝ exp(−(c − 10)/(10·0.5)) = 1, e^−1, e^−2.
        double[] weights = [1, Math.Exp(-1), Math.Exp(-2)];
        var total = weights.Sum();
        for (var i = 0; i < 3; i++)
            Assert.InRange(counts[i] / (double)Samples, weights[i] / total - 0.01, weights[i] / total + 0.01);
    }

    [Fact]
    public void Pick_TemperatureWithEqualCosts_FallsBackToTieBreak()
    {
        var candidates = new Candidates(2);
        candidates.Cached[0] = 9;

        Assert.Equal(1, candidates.Pick(new KvCostPolicy(temperature: 1.0, seed: 1)));
    }
}
