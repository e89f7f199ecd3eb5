using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Requests;
using DynamoOrleans.Grains.Tests.Fixtures;

namespace DynamoOrleans.Grains.Tests.Requests;

/// <summary>Workers killed mid-stream (Kestrel stopped with no grace) while the router's caller reads.</summary>
public sealed class MigrationTests
{
    private const int MaxTokens = 300;

    [Fact]
    public async Task Generate_ServingWorkerKilledMidStream_CompletesOnAnotherWorkerWithTheUninterruptedTokens()
    {
        var request = DemoEngine.Greedy("migrate", maxTokens: MaxTokens);
        await using var direct = DemoEngine.Start();
        var expected = await RoutedCluster.ReadAllAsync(direct.GenerateAsync(request, CancellationToken.None));

        await using var cluster = await RoutedCluster.StartAsync();
        var migrations = new List<RequestMigration>();
        cluster.Client.Migrated += migrations.Add;
        var actual = new List<TokenOutput>();
        WorkerHost? killed = null;
        await foreach (var output in cluster.Client.GenerateAsync(request, CancellationToken.None))
        {
            actual.Add(output);
            if (actual.Count == 5)
            {
                killed = Assert.Single(cluster.Busy());
                await killed.Server.KillAsync();
            }
        }

        Assert.Equal(expected.Select(o => o.TokenId), actual.Select(o => o.TokenId));
        Assert.Equal(expected.Select(o => o.Finish), actual.Select(o => o.Finish));
        Assert.Equal(1, cluster.Client.NumMigrations);
        var migration = Assert.Single(migrations);
        Assert.Equal("migrate", migration.RequestId);
        Assert.InRange(migration.NumTokensDelivered, 5, MaxTokens - 1);
        Assert.All(actual, o => Assert.Equal(actual[0].CachedPromptTokens, o.CachedPromptTokens));
        await DemoEngine.WaitUntilAsync(() => cluster.TotalRunning() == 0, "every engine to end its requests");
        Assert.NotNull(killed);
    }

    [Fact]
    public async Task Generate_WorkerKilledUnderConcurrentStreams_EveryStreamCompletesCorrectly()
    {
        const int numStreams = 6;
        const int maxTokens = 500; // Long enough that no stream on the victim can finish between counting and killing.
        var requests = Enumerable.Range(0, numStreams)
            .Select(i => new GenerateRequest("concurrent" + i, DemoEngine.Prompt(40, offset: 11 * i), new SamplingParams { Temperature = 0, MaxTokens = maxTokens, IgnoreEos = true }))
            .ToArray();
        var expected = new List<TokenOutput>[numStreams];
        await using (var direct = DemoEngine.Start())
        {
            for (var i = 0; i < numStreams; i++)
                expected[i] = await RoutedCluster.ReadAllAsync(direct.GenerateAsync(requests[i], CancellationToken.None));
        }

        await using var cluster = await RoutedCluster.StartAsync();
        var counts = new int[numStreams];
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var readers = Enumerable.Range(0, numStreams).Select(i => Task.Run(async () =>
        {
            var outputs = new List<TokenOutput>();
            await foreach (var output in cluster.Client.GenerateAsync(requests[i], CancellationToken.None))
            {
                outputs.Add(output);
                if (Interlocked.Increment(ref counts[i]) == 3)
                    await killed.Task; // Every stream is mid-flight when the worker dies.
            }
            return outputs;
        })).ToArray();

        await DemoEngine.WaitUntilAsync(() => counts.All(c => c >= 3), "every stream to deliver 3 tokens");
        var victim = cluster.Hosts.MaxBy(h => h.Engine.GetLoad().NumRunning)!;
        var numOnVictim = victim.Engine.GetLoad().NumRunning;
        await victim.Server.KillAsync();
        killed.SetResult();
        var actual = await Task.WhenAll(readers);

        for (var i = 0; i < numStreams; i++)
            Assert.Equal(expected[i].Select(o => o.TokenId), actual[i].Select(o => o.TokenId));
        Assert.InRange(numOnVictim, 1, numStreams);
        Assert.Equal(numOnVictim, cluster.Client.NumMigrations);
    }

    [Fact]
    public async Task Generate_MigrationLimitReached_ThrowsInsteadOfTruncating()
    {
        await using var cluster = await RoutedCluster.StartAsync(migrationLimit: 1);
        var killed = new List<WorkerHost>();
        var numRead = 0;

        var ex = await Assert.ThrowsAsync<MigrationLimitExceededException>(async () =>
        {
            await foreach (var output in cluster.Client.GenerateAsync(DemoEngine.Greedy("unlucky", maxTokens: 3000), CancellationToken.None))
            {
                Assert.Null(output.Finish);
                // Outputs the first worker sent before it died may still arrive after the kill, so the
                // second kill waits until the stream has moved (a migration counted, a new worker busy).
                if (++numRead == 5 || (killed.Count == 1 && numRead >= 15 && cluster.Client.NumMigrations == 1))
                {
                    await DemoEngine.WaitUntilAsync(() => cluster.Busy().Except(killed).Any(), "a live worker to serve the request");
                    var serving = Assert.Single(cluster.Busy().Except(killed));
                    killed.Add(serving);
                    await serving.Server.KillAsync();
                }
            }
        });

        Assert.Equal(numRead, ex.NumTokensDelivered);
        Assert.InRange(numRead, 15, 2999);
        Assert.Equal(1, ex.MigrationLimit);
        Assert.Equal(1, cluster.Client.NumMigrations);
        Assert.Equal(1, cluster.Client.NumMigrationFailures);
    }
}
