using DynamoOrleans.Routing.Bench.Simulation;
using DynamoOrleans.Routing.Policies;

namespace DynamoOrleans.Routing.Tests;

public sealed class PrefixWorkloadTests
{
    [Fact]
    public void SharedPrefixWorkload_KvRouting_HitsFarMoreCacheThanRoundRobin()
    {
        var settings = new PrefixWorkloadSettings(Requests: 2000);

        var kv = PrefixWorkload.Run(RoutingPolicyNames.Kv, settings);
        var roundRobin = PrefixWorkload.Run(RoutingPolicyNames.RoundRobin, settings);

        // Measured: kv ≈ 0.89, round-robin ≈ 0.55 (bench/results/routing.md has the full run).
        Assert.True(kv.HitRate > roundRobin.HitRate + 0.25, $"kv {kv.HitRate:P1} vs round-robin {roundRobin.HitRate:P1}");
        Assert.True(kv.PrefillTokens < roundRobin.PrefillTokens / 2, $"kv {kv.PrefillTokens} vs round-robin {roundRobin.PrefillTokens} prefill tokens");
        Assert.True(kv.MinRequestsPerWorker > 0, "kv routing starved a worker");
    }

    [Fact]
    public void SharedPrefixWorkload_PredictedRouting_AlsoBeatsRoundRobin()
    {
        var settings = new PrefixWorkloadSettings(Requests: 2000);

        var predicted = PrefixWorkload.Run(RoutingPolicyNames.Predicted, settings);
        var roundRobin = PrefixWorkload.Run(RoutingPolicyNames.RoundRobin, settings);

        Assert.True(predicted.HitRate > roundRobin.HitRate + 0.2, $"predicted {predicted.HitRate:P1} vs round-robin {roundRobin.HitRate:P1}");
    }
}
