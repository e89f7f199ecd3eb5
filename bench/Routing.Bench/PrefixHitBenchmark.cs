using DynamoOrleans.Routing.Bench.Simulation;
using DynamoOrleans.Routing.Policies;

namespace DynamoOrleans.Routing.Bench;

/// <summary>
/// Prefix hit rate and a TTFT proxy (prompt tokens the workers had to prefill) for each routing mode
/// on a shared-prefix workload; round-robin is the baseline. See <see cref="PrefixWorkload"/>.
/// </summary>
public sealed class PrefixHitBenchmark : IBenchmark
{
    public string Name => "prefix-hit";

    public string Description => "hit rate and prefill tokens, kv vs round-robin (and the other modes), shared-prefix workload";

    public async Task RunAsync(string[] args, TextWriter output)
    {
        var settings = new PrefixWorkloadSettings();
        await output.WriteLineAsync($"workload: {settings}");
        await output.WriteLineAsync("mode | prefix hit rate | prefill tokens computed | vs round-robin | requests per worker (min–max)");
        await output.WriteLineAsync("---- | --------------- | ----------------------- | -------------- | ------------------------------");
        var baseline = PrefixWorkload.Run(RoutingPolicyNames.RoundRobin, settings);
        foreach (var mode in new[] { RoutingPolicyNames.RoundRobin, RoutingPolicyNames.Random, RoutingPolicyNames.LeastLoaded, RoutingPolicyNames.Kv, RoutingPolicyNames.Predicted })
        {
            var result = mode == RoutingPolicyNames.RoundRobin ? baseline : PrefixWorkload.Run(mode, settings);
            await output.WriteLineAsync(
                $"{mode} | {result.HitRate:P1} | {result.PrefillTokens:N0} of {result.PromptTokens:N0} | {(double)result.PrefillTokens / baseline.PrefillTokens:F2}× | {result.MinRequestsPerWorker}–{result.MaxRequestsPerWorker}");
        }
    }
}
