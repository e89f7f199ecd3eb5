using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Grains.Requests;
using DynamoOrleans.Routing;
using DynamoOrleans.Routing.Policies;

namespace DynamoOrleans.Grains.Tests.Requests;

/// <summary>What a migrated request asks the next worker for, seen by scripted engines that break on cue.</summary>
public sealed class ContinuationTests
{
    [Fact]
    public async Task Generate_BrokenAfterThreeTokens_NextWorkerGetsPromptPlusTokensAndReducedBudget()
    {
        var first = new ScriptedEngine(breakAfter: 3, firstToken: 100, cachedPromptTokens: 16);
        var second = new ScriptedEngine(breakAfter: null, firstToken: 103, cachedPromptTokens: 0);
        var client = new RoutedEngineClient(new RoutedEngineClientOptions { Router = new KvRouterOptions { Mode = RoutingPolicyNames.RoundRobin } });
        client.AddWorker(Card(0), first);
        client.AddWorker(Card(1), second);
        var sampling = new SamplingParams { Temperature = 0.7f, Seed = 5, MaxTokens = 8, MinTokens = 5, StopTokenIds = [9] };

        var outputs = await RoutedCluster.ReadAllAsync(client.GenerateAsync(new GenerateRequest("r", [1, 2, 3], sampling) { Priority = 2 }, CancellationToken.None));

        Assert.Equal([100, 101, 102, 103, 104, 105, 106, 107], outputs.Select(o => o.TokenId));
        Assert.All(outputs, o => Assert.Equal(16, o.CachedPromptTokens));
        var continued = Assert.Single(second.Requests);
        Assert.Equal("r.m1", continued.RequestId);
        Assert.Equal([1, 2, 3, 100, 101, 102], continued.PromptTokenIds);
        Assert.Equal(sampling with { MaxTokens = 5, MinTokens = 2 }, continued.Sampling);
        Assert.Equal(2, continued.Priority);
        Assert.Equal(1, client.NumMigrations);
    }

    private static WorkerCard Card(int i) => ScriptedEngine.Card(i);
}
