using System.ClientModel;
using System.Diagnostics;
using System.Net;
using DynamoOrleans.Cluster;
using DynamoOrleans.Cluster.Redis;
using DynamoOrleans.Cluster.Resp;
using DynamoOrleans.Cluster.Tests.Fixtures;
using OpenAI;
using OpenAI.Chat;
using Xunit.Abstractions;

namespace DynamoOrleans.Cli.Tests.Cluster;

/// <summary>
/// Issue 6's failures, with real processes: a real redis-server, <c>dynamo silo</c> and <c>dynamo gateway</c>
/// processes on loopback (CPU backend, demo model), one silo killed with SIGKILL mid-stream, Redis killed and
/// restarted on its port, two gateways over one cluster.
/// </summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class ClusterFailoverProcessTests(ITestOutputHelper output)
{
    private const int MaxTokens = 200;

    [RedisFact]
    public async Task KillNine_SiloServingMostStreams_EveryStreamCompletesWithTheCleanRunsTokens()
    {
        await using var cluster = await ProcessCluster.StartAsync(output);
        var silos = await cluster.StartSilosAsync("n1", "n2", "n3");
        var gateway = await cluster.StartGatewayAsync("kv");
        await gateway.WaitForWorkersAsync(3);
        var prompts = Enumerable.Range(0, 6).Select(i => $"Story {i}: tell me about the {Words[i]} that crossed the river at dawn.").ToArray();

        // The clean run: what greedy decoding gives for each prompt with nobody dying.
        var clean = await Task.WhenAll(prompts.Select(p => gateway.ChatAsync(null, p, MaxTokens)));
        foreach (var run in clean)
        {
            Assert.Null(run.Error);
            Assert.Equal("length", run.FinishReason);
            Assert.Equal(MaxTokens, run.CompletionTokens);
        }

        // The probes connect now, so the kill follows the signal by a few milliseconds, not a connection set-up.
        await Task.WhenAll(silos.Select(s => s.LoadAsync()));
        var chunks = new int[prompts.Length];
        var flowing = 0;
        var allFlowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var streams = prompts.Select((p, i) => gateway.ChatAsync(null, p, MaxTokens, n =>
        {
            Volatile.Write(ref chunks[i], n);
            if (n == 5 && Interlocked.Increment(ref flowing) == prompts.Length) allFlowing.TrySetResult();
        })).ToArray();
        await allFlowing.Task.WaitAsync(ClusterTimeouts.Request);
        var loads = await Task.WhenAll(silos.Select(s => s.LoadAsync()));
        var busiest = Enumerable.Range(0, silos.Length).MaxBy(i => loads[i].NumRunning);
        var victim = silos[busiest];
        var tokensAtKill = Enumerable.Range(0, chunks.Length).Select(i => Volatile.Read(ref chunks[i])).ToArray();
        await victim.KillAsync();
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(streams);
        output.WriteLine($"killed {victim.Node} (pid {victim.Process.Id}) serving {loads[busiest].NumRunning} of {prompts.Length} streams; " +
            $"running per silo: {string.Join(", ", silos.Select((s, i) => $"{s.Node}={loads[i].NumRunning}"))}; " +
            $"tokens delivered at the kill: {string.Join(",", tokensAtKill)}; streams done {clock.Elapsed.TotalSeconds:0.00} s after the kill");

        Assert.True(loads[busiest].NumRunning > 0, "the killed silo had streams in flight");
        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Null(results[i].Error);
            Assert.Equal("length", results[i].FinishReason);
            Assert.Equal(MaxTokens, results[i].CompletionTokens);
            Assert.Equal(clean[i].Text, results[i].Text);
        }
        var migrations = await gateway.MetricAsync("dynamo_frontend_migrations_total");
        output.WriteLine($"dynamo_frontend_migrations_total {migrations}");
        Assert.True(migrations >= 1, $"at least one stream migrated (got {migrations})");
        Assert.Equal(0, await gateway.MetricAsync("dynamo_frontend_migration_failures_total"));
    }

    [RedisFact]
    public async Task RedisRestart_MidRun_ServingGoesOnLeasesComeBackAndANewSiloJoins()
    {
        await using var cluster = await ProcessCluster.StartAsync(output);
        await cluster.StartSilosAsync("n1", "n2", "n3");
        var gateway = await cluster.StartGatewayAsync("kv");
        await gateway.WaitForWorkersAsync(3);

        // Requests keep flowing, about 20 a second, while Redis dies and comes back; each noted with when it was sent.
        var clock = Stopwatch.StartNew();
        using var stopLoad = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            var sent = new List<(TimeSpan At, ChatResult Result)>();
            for (var i = 0; !stopLoad.IsCancellationRequested; i++)
            {
                var at = clock.Elapsed;
                sent.Add((at, await gateway.ChatAsync(null, $"Request {i} while Redis restarts", 8)));
                await Task.Delay(50);
            }
            return sent;
        });
        await cluster.Redis.KillAsync();
        // With Redis down the gateway still knows its workers and reaches them directly.
        var whileDown = await gateway.ChatAsync(null, "asked while Redis is down", 8);
        await cluster.Redis.RestartAsync();
        var restartedAt = clock.Elapsed;

        await using var redis = await RedisCluster.ConnectAsync(RedisConnectionOptions.FromEndpoint(cluster.RedisEndpoint), new ClusterOptions());
        var leasesBack = await ClusterTimeouts.WaitUntilAsync(async () => (await redis.Directory.ListAsync()).Count == 3, TimeSpan.FromSeconds(15), "the 3 leases back in the new Redis");
        await gateway.WaitForWorkersAsync(3);
        var gatewayBackAt = clock.Elapsed;

        // KV routing over the new Redis: the silos' events reach it, and a repeated long prefix is served from cache.
        var prefix = SharedPrefix("after the restart");
        var first = await gateway.ChatAsync(prefix, "first question", 4);
        await ClusterTimeouts.WaitUntilAsync(async () => (await redis.Connection.ExecuteAsync(["XLEN", "dynamo:kv"])).AsInt64() > 0, ClusterTimeouts.Call, "KV events in the new Redis");
        var repeat = await gateway.ChatAsync(prefix, "second question", 4);

        var joined = Stopwatch.StartNew();
        await cluster.StartSiloAsync("n4");
        await gateway.WaitForWorkersAsync(4);
        var joinTime = joined.Elapsed;
        await stopLoad.CancelAsync();
        var sent = await load;
        var failed = sent.Where(r => r.Result.Error is not null).ToList();
        var window = failed.Count == 0 ? "none" : $"{(failed[0].At - restartedAt).TotalSeconds:0.0} s to {(failed[^1].At - restartedAt).TotalSeconds:0.0} s after the restart";
        output.WriteLine($"after the restart: leases back in {leasesBack.TotalSeconds:0.0} s, gateway at 3 workers {(gatewayBackAt - restartedAt).TotalSeconds:0.0} s; " +
            $"{sent.Count} requests sent, {failed.Count} answered 503 ({window}); repeated prefix: {repeat.CachedTokens} of {repeat.PromptTokens} prompt tokens cached; " +
            $"n4 started and routed to in {joinTime.TotalSeconds:0.0} s");

        Assert.Null(whileDown.Error);
        Assert.Equal("length", whileDown.FinishReason);
        // The gateway's watcher reads the empty new Redis before the leases renew; every worker still answers its
        // health check, so none is dropped (DepartureGrace) and nothing is refused while the leases come back.
        Assert.True(failed.Count == 0, $"no request refused across the restart ({window})");
        Assert.All(sent, r => Assert.Equal("length", r.Result.FinishReason));
        Assert.Null(first.Error);
        Assert.True(repeat.CachedTokens >= 64, $"the repeated prefix was cached ({repeat.CachedTokens} of {repeat.PromptTokens})");
    }

    [RedisFact]
    public async Task TwoGateways_OneCluster_BothServeAndBothDropASiloStoppedWithSigterm()
    {
        await using var cluster = await ProcessCluster.StartAsync(output);
        var silos = await cluster.StartSilosAsync("n1", "n2", "n3");
        var gateways = await Task.WhenAll(cluster.StartGatewayAsync("kv"), cluster.StartGatewayAsync("kv"));
        await Task.WhenAll(gateways.Select(g => g.WaitForWorkersAsync(3)));

        var before = await Task.WhenAll(gateways.Select(AskWithSdkAsync));
        Assert.Equal(before[0], before[1]); // greedy over the same model, whichever gateway and worker

        var exitCode = await silos[1].TerminateAsync();
        var dropped = await Task.WhenAll(gateways.Select(g => g.WaitForWorkersAsync(2)));
        var after = await Task.WhenAll(gateways.Select(AskWithSdkAsync));
        output.WriteLine($"n2 left both gateways {dropped[0].TotalSeconds:0.0} s and {dropped[1].TotalSeconds:0.0} s after it exited");

        Assert.Equal(0, exitCode);
        Assert.Equal(before, after);
        Assert.All(gateways, g => Assert.Contains(g.Process.Lines, l => l.Contains("n2/0 left the routed set", StringComparison.Ordinal)));
    }

    private static async Task<string> AskWithSdkAsync(GatewayProcess gateway)
    {
        var client = new ChatClient("demo", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(gateway.Root, "v1") });
        ChatCompletion completion = await client.CompleteChatAsync(
            [new UserChatMessage("Which gateway am I talking to?")],
            new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0 });
        Assert.Equal(8, completion.Usage.OutputTokenCount);
        return completion.Content[0].Text;
    }

    /// <summary>A system prompt of about 200 tokens that starts with its own words, so no two share a block.</summary>
    internal static string SharedPrefix(string name) =>
        $"[{name}] You are a careful assistant. " + string.Join(' ', Enumerable.Range(0, 40).Select(i => Words[(i * 7 + name.Length) % Words.Length]));

    internal static readonly string[] Words =
        ["heron", "lantern", "copper", "meadow", "glacier", "violin", "harbor", "ember", "orchard", "falcon", "quarry", "tundra", "saffron", "beacon"];
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterProcessCollection
{
    /// <summary>Each test runs several dotnet processes; run them alone, not beside other test classes.</summary>
    public const string Name = "cluster processes";
}
