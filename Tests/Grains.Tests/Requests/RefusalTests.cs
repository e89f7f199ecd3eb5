using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Requests;
using DynamoOrleans.Routing;
using DynamoOrleans.Routing.Policies;

namespace DynamoOrleans.Grains.Tests.Requests;

/// <summary>When the client refuses or gives up, with scripted engines so the load and the breaks are exact.</summary>
public sealed class RefusalTests
{
    private static readonly GenerateRequest Request = new("q", [1, 2, 3], new SamplingParams { Temperature = 0, MaxTokens = 4 });

    [Fact]
    public async Task Generate_EveryWorkerPastBusyThreshold_ThrowsNoWorkerAvailable()
    {
        var client = NewClient(busy: 0.9);
        var full = new EngineLoad(4, 2, 95, 100, 0, 0, 0);
        client.AddWorker(ScriptedEngine.Card(0), new ScriptedEngine(null, 10) { Load = full });
        client.AddWorker(ScriptedEngine.Card(1), new ScriptedEngine(null, 10) { Load = full });

        var ex = await Assert.ThrowsAsync<NoWorkerAvailableException>(() => RoutedCluster.ReadAllAsync(client.GenerateAsync(Request, CancellationToken.None)));

        Assert.Contains("busy", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_OneWorkerBelowBusyThreshold_IsServed()
    {
        var client = NewClient(busy: 0.9);
        client.AddWorker(ScriptedEngine.Card(0), new ScriptedEngine(null, 10) { Load = new EngineLoad(4, 2, 95, 100, 0, 0, 0) });
        client.AddWorker(ScriptedEngine.Card(1), new ScriptedEngine(null, 10) { Load = new EngineLoad(1, 0, 50, 100, 0, 0, 0) });

        var outputs = await RoutedCluster.ReadAllAsync(client.GenerateAsync(Request, CancellationToken.None));

        Assert.Equal([10, 11, 12, 13], outputs.Select(o => o.TokenId));
    }

    [Fact]
    public async Task Generate_MigrationLimitZero_FirstBreakThrows()
    {
        var client = NewClient(migrationLimit: 0);
        client.AddWorker(ScriptedEngine.Card(0), new ScriptedEngine(breakAfter: 2, 10));
        client.AddWorker(ScriptedEngine.Card(1), new ScriptedEngine(null, 10));
        var received = new List<int>();

        var ex = await Assert.ThrowsAsync<MigrationLimitExceededException>(async () =>
        {
            await foreach (var output in client.GenerateAsync(Request, CancellationToken.None))
                received.Add(output.TokenId);
        });

        Assert.Equal([10, 11], received);
        Assert.Equal(2, ex.NumTokensDelivered);
        Assert.IsType<DynamoOrleans.Grains.Worker.WorkerStreamBrokenException>(ex.InnerException);
        Assert.Equal(0, client.NumMigrations);
        Assert.Equal(1, client.NumMigrationFailures);
    }

    [Fact]
    public async Task Generate_EveryWorkerBreaksBeforeOutput_ThrowsNoWorkerAvailableOnceAllAreShunned()
    {
        var client = NewClient(migrationLimit: 5);
        for (var i = 0; i < 3; i++)
            client.AddWorker(ScriptedEngine.Card(i), new ScriptedEngine(breakAfter: 0, 10));

        var ex = await Assert.ThrowsAsync<NoWorkerAvailableException>(() => RoutedCluster.ReadAllAsync(client.GenerateAsync(Request, CancellationToken.None)));

        Assert.NotNull(ex.InnerException);
        Assert.Equal(3, client.NumMigrations);
        Assert.Equal(1, client.NumMigrationFailures);
    }

    private static RoutedEngineClient NewClient(double? busy = null, int migrationLimit = 3) =>
        new(new RoutedEngineClientOptions
        {
            Router = new KvRouterOptions { Mode = RoutingPolicyNames.RoundRobin, ShunDuration = TimeSpan.FromMinutes(1) },
            BusyKvUsageThreshold = busy,
            MigrationLimit = migrationLimit,
        });
}
