using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Requests;
using DynamoOrleans.Grains.Tests.Fixtures;
using DynamoOrleans.Routing.Policies;

namespace DynamoOrleans.Grains.Tests.Requests;

/// <summary>Routing, streaming, refusing and cancelling through real workers on loopback Kestrel.</summary>
public sealed class RoutedEngineClientTests
{
    [Fact]
    public async Task Generate_Greedy_EqualsEngineCalledDirectly()
    {
        var request = DemoEngine.Greedy("routed", maxTokens: 24);
        await using var direct = DemoEngine.Start();
        var expected = await RoutedCluster.ReadAllAsync(direct.GenerateAsync(request, CancellationToken.None));

        await using var cluster = await RoutedCluster.StartAsync();
        var actual = await RoutedCluster.ReadAllAsync(cluster.Client.GenerateAsync(request, CancellationToken.None));

        Assert.Equal(expected.Select(o => o.TokenId), actual.Select(o => o.TokenId));
        Assert.Equal(expected.Select(o => o.Finish), actual.Select(o => o.Finish));
        Assert.Equal(0, cluster.Client.NumMigrations);
        Assert.Equal(direct.Model, cluster.Client.Model with { EosTokenIds = direct.Model.EosTokenIds });
    }

    [Fact]
    public async Task Generate_SharedPrefixes_PredictedModeHitsTheCacheMoreThanRoundRobin()
    {
        var predicted = await PrefixHitRateAsync(RoutingPolicyNames.Predicted);
        var roundRobin = await PrefixHitRateAsync(RoutingPolicyNames.RoundRobin);

        // 2 prefixes × 4 requests over 3 workers: predicted misses once per prefix (6 of 8 hit),
        // round-robin spreads each prefix over every worker first (2 of 8 hit).
        Assert.True(predicted > roundRobin + 0.3, $"predicted {predicted:F2} vs round-robin {roundRobin:F2}");
        Assert.InRange(predicted, 0.6, 1.0);
    }

    [Fact]
    public async Task Generate_CallerCancels_WorkerEngineDropsTheRequest()
    {
        await using var cluster = await RoutedCluster.StartAsync();
        using var cts = new CancellationTokenSource();
        var numRead = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in cluster.Client.GenerateAsync(DemoEngine.Greedy("cancel", maxTokens: 3000), cts.Token))
            {
                if (++numRead == 3)
                {
                    Assert.Equal(1, cluster.TotalRunning());
                    await cts.CancelAsync();
                }
            }
        });

        await DemoEngine.WaitUntilAsync(() => cluster.TotalRunning() == 0 && cluster.Hosts.All(h => h.Service.NumInFlight == 0), "the worker's engine to drop the request");
        Assert.Equal(0, cluster.Client.NumMigrations);
    }

    [Fact]
    public async Task Generate_NoWorkerRegistered_ThrowsNoWorkerAvailable()
    {
        var client = new RoutedEngineClient();

        var ex = await Assert.ThrowsAsync<NoWorkerAvailableException>(() => RoutedCluster.ReadAllAsync(client.GenerateAsync(DemoEngine.Greedy("none", 4), CancellationToken.None)));

        Assert.Equal("none", ex.RequestId);
        Assert.Throws<InvalidOperationException>(() => client.Model);
    }

    [Fact]
    public async Task Generate_OnlyWorkerUnreachable_ThrowsNoWorkerAvailableAfterShunningIt()
    {
        await using var cluster = await RoutedCluster.StartAsync(numWorkers: 1);
        await cluster.Hosts[0].Server.KillAsync();

        var ex = await Assert.ThrowsAsync<NoWorkerAvailableException>(() => RoutedCluster.ReadAllAsync(cluster.Client.GenerateAsync(DemoEngine.Greedy("lonely", 4), CancellationToken.None)));

        Assert.NotNull(ex.InnerException);
        Assert.Equal(1, cluster.Client.NumMigrationFailures);
        Assert.True(cluster.Client.Router.IsShunned(RoutedCluster.CardOf(0, cluster.Hosts[0]).Id));
    }

    [Fact]
    public async Task AddWorker_DifferentModelOrTokenizer_IsRefused()
    {
        await using var cluster = await RoutedCluster.StartAsync(numWorkers: 1);
        var host = cluster.Hosts[0];

        var model = Assert.Throws<IncompatibleWorkerException>(() => cluster.Client.AddWorker(RoutedCluster.CardOf(5, host, model: "other-model"), host.Client));
        var digest = Assert.Throws<IncompatibleWorkerException>(() => cluster.Client.AddWorker(RoutedCluster.CardOf(6, host, digest: "other-digest"), host.Client));

        Assert.Equal("model", model.What);
        Assert.Equal("tokenizer digest", digest.What);
        Assert.Equal(1, cluster.Client.NumWorkers);
    }

    [Fact]
    public async Task GetLoad_SumsTheWorkers()
    {
        await using var cluster = await RoutedCluster.StartAsync(numWorkers: 2);

        var load = cluster.Client.GetLoad();

        Assert.Equal(cluster.Hosts.Sum(h => h.Client.GetLoad().KvBlocksTotal), load.KvBlocksTotal);
        Assert.Equal(0, load.NumRunning);
        Assert.True(cluster.Client.RemoveWorker(RoutedCluster.CardOf(1, cluster.Hosts[1]).Id));
        Assert.Equal(cluster.Hosts[0].Client.GetLoad().KvBlocksTotal, cluster.Client.GetLoad().KvBlocksTotal);
    }

    private static async Task<double> PrefixHitRateAsync(string mode)
    {
        await using var cluster = await RoutedCluster.StartAsync(mode: mode);
        int[][] prefixes = [DemoEngine.Prompt(64, offset: 1), DemoEngine.Prompt(64, offset: 2)];
        long cached = 0, total = 0;
        for (var i = 0; i < 8; i++)
        {
            int[] prompt = [.. prefixes[i % 2], .. DemoEngine.Prompt(8, offset: 100 + i)];
            var request = new GenerateRequest("prefix" + i, prompt, new SamplingParams { Temperature = 0, MaxTokens = 2, IgnoreEos = true });
            var outputs = await RoutedCluster.ReadAllAsync(cluster.Client.GenerateAsync(request, CancellationToken.None));
            cached += outputs[0].CachedPromptTokens;
            total += prompt.Length;
        }
        return (double)cached / total;
    }
}
