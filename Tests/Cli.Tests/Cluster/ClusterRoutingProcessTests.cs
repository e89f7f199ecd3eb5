using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DynamoOrleans.Cluster.Tests.Fixtures;
using Xunit.Abstractions;

namespace DynamoOrleans.Cli.Tests.Cluster;

/// <summary>
/// Issue 6's routing cases with real processes: a silo that joins a serving cluster takes traffic, requests that
/// share a prefix go to the silo that caches it (measured against round-robin), and a worker whose block size
/// differs from the gateway's is refused, saying so.
/// </summary>
[Collection(ClusterProcessCollection.Name)]
public sealed partial class ClusterRoutingProcessTests(ITestOutputHelper output)
{
    [RedisFact]
    public async Task FourthSilo_StartedLater_ReceivesTrafficWithinSecondsAndServesAlone()
    {
        await using var cluster = await ProcessCluster.StartAsync(output);
        var first = await cluster.StartSilosAsync("n1", "n2", "n3");
        var gateway = await cluster.StartGatewayAsync("kv");
        await gateway.WaitForWorkersAsync(3);
        Assert.Null((await gateway.ChatAsync(null, "warm up the three", 4)).Error);

        var late = await cluster.StartSiloAsync("n4");
        var sinceServing = Stopwatch.StartNew();
        // Distinct long prompts until one lands on n4 (its prefix cache is empty until it serves a full block).
        var sent = 0;
        var firstServed = await ClusterTimeouts.WaitUntilAsync(async () =>
        {
            var result = await gateway.ChatAsync(ClusterFailoverProcessTests.SharedPrefix($"join {sent++}"), "hello", 2);
            Assert.Null(result.Error);
            return await late.CachedBlocksAsync() > 0;
        }, ClusterTimeouts.Membership, "a request served by n4");
        output.WriteLine($"n4 served its first request {firstServed.TotalSeconds:0.00} s after its serving line, after {sent} requests");
        Assert.True(firstServed < TimeSpan.FromSeconds(15), $"n4 took traffic within seconds (took {firstServed.TotalSeconds:0.0} s)");

        // With the first three stopped, n4 answers alone.
        var exitCodes = await Task.WhenAll(first.Select(s => s.TerminateAsync()));
        await gateway.WaitForWorkersAsync(1);
        var alone = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => gateway.ChatAsync(null, $"only n4 is left ({i})", 8)));
        output.WriteLine($"the first three stopped with SIGTERM (exit codes {string.Join(",", exitCodes)}); n4 alone served {alone.Length} requests");

        Assert.All(exitCodes, code => Assert.Equal(0, code));
        Assert.All(alone, r => Assert.Equal("length", r.FinishReason));
    }

    [RedisFact]
    public async Task SharedPrefixes_KvRouterVersusRoundRobin_KvHitsThePrefixCacheFarMoreOften()
    {
        await using var cluster = await ProcessCluster.StartAsync(output);
        await cluster.StartSilosAsync("n1", "n2", "n3");
        var gateways = await Task.WhenAll(cluster.StartGatewayAsync("kv"), cluster.StartGatewayAsync("round-robin"));
        await Task.WhenAll(gateways.Select(g => g.WaitForWorkersAsync(3)));

        // Each gateway gets its own 4 prefixes, so neither warms the caches the other one uses.
        var kv = await RunSharedPrefixWorkloadAsync(gateways[0], "kv");
        var roundRobin = await RunSharedPrefixWorkloadAsync(gateways[1], "rr");
        output.WriteLine($"prefix hit rate (cached / prompt tokens, 4 prefixes x 6 requests, 3 silos): kv {kv.Rate:0.000} ({kv.Cached}/{kv.Prompt}), " +
            $"round-robin {roundRobin.Rate:0.000} ({roundRobin.Cached}/{roundRobin.Prompt})");

        Assert.True(kv.Rate > roundRobin.Rate + 0.2, $"kv {kv.Rate:0.000} beats round-robin {roundRobin.Rate:0.000} by more than 0.2");
    }

    [RedisFact]
    public async Task BlockSizeMismatch_SiloAt32GatewayAt16WithoutModelDir_RefusedNamingTheFlagAndListedInHealth()
    {
        await using var cluster = await ProcessCluster.StartAsync(output);
        await cluster.StartSiloAsync("n1", "--block-size", "32");
        // Without --model-dir: the model, its tokenizer and chat template come from the silos through Redis.
        var launched = cluster.LaunchGateway("kv", withModelDir: false);

        var refusal = await launched.WaitForLineAsync(RefusalLine(), ClusterTimeouts.ProcessStart);
        output.WriteLine($"the gateway said: {refusal.Value}");
        // The 16 is the gateway's own --block-size (no worker was registered before), and the message says so.
        Assert.Contains("its block size is '32' but the gateway's --block-size is '16'", refusal.Value, StringComparison.Ordinal);
        // Today the gateway opens its API only once a compatible worker joined: it does not listen yet.
        Assert.DoesNotContain(launched.Lines, l => l.StartsWith("Gateway for", StringComparison.Ordinal));

        // A compatible silo joins: the gateway serves through it, and the refused one stays out.
        await cluster.StartSiloAsync("n2");
        var gateway = await GatewayProcess.WhenReadyAsync(launched);
        var answer = await gateway.ChatAsync(null, "served by n2", 4);
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("length", answer.FinishReason);
        Assert.Equal(1, await gateway.WorkersAsync());
        var health = JsonNode.Parse(await gateway.Http.GetStringAsync(new Uri("health", UriKind.Relative)))!;
        var refused = Assert.Single(health["refused_workers"]!.AsArray())!;
        Assert.Equal("n1/0", refused["id"]!.GetValue<string>());
        Assert.Contains("--block-size", refused["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        var models = JsonNode.Parse(await gateway.Http.GetStringAsync(new Uri("v1/models", UriKind.Relative)))!;
        Assert.Equal("demo", Assert.Single(models["data"]!.AsArray())!["id"]!.GetValue<string>());
    }

    [GeneratedRegex(@"n1/0.*block size.*", RegexOptions.IgnoreCase)]
    private static partial Regex RefusalLine();

    private static async Task<(long Cached, long Prompt, double Rate)> RunSharedPrefixWorkloadAsync(GatewayProcess gateway, string name)
    {
        long cached = 0, prompt = 0;
        // Interleaved (p0 p1 p2 p3 p0 ...), one at a time, as a stream of users of four system prompts would.
        for (var round = 0; round < 6; round++)
        {
            for (var p = 0; p < 4; p++)
            {
                var result = await gateway.ChatAsync(ClusterFailoverProcessTests.SharedPrefix($"{name} prefix {p}"), $"question {round} about {p}", 2);
                Assert.Null(result.Error);
                cached += result.CachedTokens;
                prompt += result.PromptTokens;
            }
        }
        return (cached, prompt, (double)cached / prompt);
    }
}
