using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Tests.Fixtures;
using DynamoOrleans.Grains.Transport;
using DynamoOrleans.Grains.Worker;

namespace DynamoOrleans.Grains.Tests.Worker;

/// <summary>The gateway's client against a real Kestrel hosting WorkerService over the real CPU engine.</summary>
public sealed class RemoteEngineClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Generate_Greedy_EqualsEngineCalledDirectly()
    {
        var request = DemoEngine.Greedy("greedy", maxTokens: 24);
        await using var direct = DemoEngine.Start();
        var expected = await ReadAllAsync(direct.GenerateAsync(request, CancellationToken.None));

        await using var host = await WorkerHost.StartAsync();
        var actual = await ReadAllAsync(host.Client.GenerateAsync(request, CancellationToken.None));

        Assert.Equal(expected.Select(o => o.TokenId), actual.Select(o => o.TokenId));
        Assert.Equal(expected.Select(o => o.Finish), actual.Select(o => o.Finish));
        Assert.Equal(FinishReason.Length, actual[^1].Finish);
        Assert.All(actual, o => Assert.True(float.IsNaN(o.Logprob)));
        Assert.All(actual, o => Assert.Null(o.TopLogprobs));
        Assert.Equal(host.Engine.Model, host.Client.Model with { EosTokenIds = host.Engine.Model.EosTokenIds });
        Assert.Equal(host.Engine.Model.EosTokenIds, host.Client.Model.EosTokenIds);
    }

    [Fact]
    public async Task Generate_Logprobs_PassThroughUnchanged()
    {
        var request = DemoEngine.Greedy("logprobs", maxTokens: 8, logprobs: 3);
        await using var direct = DemoEngine.Start();
        var expected = await ReadAllAsync(direct.GenerateAsync(request, CancellationToken.None));

        await using var host = await WorkerHost.StartAsync();
        var actual = await ReadAllAsync(host.Client.GenerateAsync(request, CancellationToken.None));

        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].TokenId, actual[i].TokenId);
            Assert.Equal(expected[i].Logprob, actual[i].Logprob);
            Assert.Equal(expected[i].TopLogprobs, actual[i].TopLogprobs);
            Assert.Equal(3, actual[i].TopLogprobs!.Length);
        }
    }

    [Fact]
    public async Task Generate_RepeatedPrompt_ReportsCachedPromptTokens()
    {
        await using var host = await WorkerHost.StartAsync();
        await ReadAllAsync(host.Client.GenerateAsync(DemoEngine.Greedy("first", maxTokens: 2), CancellationToken.None));
        var second = await ReadAllAsync(host.Client.GenerateAsync(DemoEngine.Greedy("second", maxTokens: 2), CancellationToken.None));

        // 40 prompt tokens in blocks of 16: two full blocks are reused.
        Assert.All(second, o => Assert.Equal(32, o.CachedPromptTokens));
    }

    [Fact]
    public async Task Generate_ClientCancels_EngineFreesTheRequest()
    {
        await using var host = await WorkerHost.StartAsync();
        using var cts = new CancellationTokenSource();
        var numRead = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in host.Client.GenerateAsync(DemoEngine.Greedy("cancel", maxTokens: 3000), cts.Token))
            {
                if (++numRead == 3)
                {
                    Assert.Equal(1, host.Engine.GetLoad().NumRunning);
                    await cts.CancelAsync();
                }
            }
        });

        await DemoEngine.WaitUntilAsync(() => host.Engine.GetLoad().NumRunning == 0 && host.Service.NumInFlight == 0, "the engine to drop the request");
        Assert.Equal(0, host.Engine.GetLoad().NumWaiting);
    }

    [Fact]
    public async Task Generate_StopReadingEarly_EngineFreesTheRequest()
    {
        await using var host = await WorkerHost.StartAsync();
        await foreach (var output in host.Client.GenerateAsync(DemoEngine.Greedy("break", maxTokens: 3000), CancellationToken.None))
            break;

        await DemoEngine.WaitUntilAsync(() => host.Engine.GetLoad().NumRunning == 0 && host.Service.NumInFlight == 0, "the engine to drop the request");
    }

    [Fact]
    public async Task Cancel_InFlightRequest_StreamEndsWithCancelledOutput()
    {
        await using var host = await WorkerHost.StartAsync();
        var outputs = new List<TokenOutput>();
        await foreach (var output in host.Client.GenerateAsync(DemoEngine.Greedy("rpc-cancel", maxTokens: 3000), CancellationToken.None))
        {
            outputs.Add(output);
            if (outputs.Count == 2)
                Assert.True(await host.Client.CancelAsync("rpc-cancel", CancellationToken.None));
        }

        Assert.Equal(FinishReason.Cancelled, outputs[^1].Finish);
        Assert.Equal(-1, outputs[^1].TokenId);
        Assert.False(await host.Client.CancelAsync("rpc-cancel", CancellationToken.None));
        await DemoEngine.WaitUntilAsync(() => host.Engine.GetLoad().NumRunning == 0, "the engine to drop the request");
    }

    [Fact]
    public async Task Drain_RefusesNewWithUnavailable_WhileInFlightStreamCompletes()
    {
        await using var host = await WorkerHost.StartAsync();
        await using var inFlight = host.Client.GenerateAsync(DemoEngine.Greedy("in-flight", maxTokens: 200), CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await inFlight.MoveNextAsync());

        Assert.Equal(1, await host.Client.DrainAsync(CancellationToken.None));
        var refused = await Assert.ThrowsAsync<WorkerStreamBrokenException>(() => ReadAllAsync(host.Client.GenerateAsync(DemoEngine.Greedy("late", maxTokens: 4), CancellationToken.None)));
        Assert.Equal(GrpcStatusCode.Unavailable, refused.StatusCode);
        Assert.Equal(0, refused.NumOutputsDelivered);
        Assert.True((await host.Client.CheckHealthAsync(CancellationToken.None)).IsDraining);
        await host.Client.RefreshLoadAsync(CancellationToken.None);
        Assert.True(host.Client.IsDraining);

        var numOutputs = 1;
        var last = inFlight.Current;
        while (await inFlight.MoveNextAsync())
        {
            numOutputs++;
            last = inFlight.Current;
        }
        Assert.Equal(200, numOutputs);
        Assert.Equal(FinishReason.Length, last.Finish);
        await host.Service.WaitForDrainedAsync(CancellationToken.None).WaitAsync(Timeout);
    }

    [Fact]
    public async Task Generate_ServerKilledMidStream_ThrowsBrokenWithOutputsDelivered()
    {
        await using var host = await WorkerHost.StartAsync();
        var numReceived = 0;

        var broken = await Assert.ThrowsAsync<WorkerStreamBrokenException>(async () =>
        {
            await foreach (var output in host.Client.GenerateAsync(DemoEngine.Greedy("killed", maxTokens: 3000), CancellationToken.None))
            {
                Assert.Null(output.Finish);
                if (++numReceived == 5)
                    await host.Server.KillAsync();
            }
        });

        Assert.Equal(numReceived, broken.NumOutputsDelivered);
        Assert.InRange(numReceived, 5, 2999);
        Assert.Equal("killed", broken.RequestId);
        Assert.Equal(GrpcStatusCode.Unavailable, broken.StatusCode);
        await DemoEngine.WaitUntilAsync(() => host.Engine.GetLoad().NumRunning == 0, "the engine to drop the orphaned request");
    }

    [Fact]
    public async Task Generate_WorkerUnreachable_ThrowsBrokenWithNothingDelivered()
    {
        await using var host = await WorkerHost.StartAsync();
        await host.Server.KillAsync();

        var broken = await Assert.ThrowsAsync<WorkerStreamBrokenException>(() => ReadAllAsync(host.Client.GenerateAsync(DemoEngine.Greedy("nobody", maxTokens: 4), CancellationToken.None)));

        Assert.Equal(0, broken.NumOutputsDelivered);
        Assert.Equal(GrpcStatusCode.Unavailable, broken.StatusCode);
    }

    [Fact]
    public async Task Generate_DeadlinePasses_ThrowsBrokenWithDeadlineExceeded()
    {
        await using var host = await WorkerHost.StartAsync(new RemoteEngineClientOptions { LoadPollInterval = TimeSpan.Zero, GenerateTimeout = TimeSpan.FromMilliseconds(300) });

        var broken = await Assert.ThrowsAsync<WorkerStreamBrokenException>(() => ReadAllAsync(host.Client.GenerateAsync(DemoEngine.Greedy("slow", maxTokens: 4000, promptLength: 8), CancellationToken.None)));

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, broken.StatusCode);
        await DemoEngine.WaitUntilAsync(() => host.Engine.GetLoad().NumRunning == 0, "the engine to drop the expired request");
    }

    [Fact]
    public async Task Generate_InvalidRequest_ThrowsArgumentException()
    {
        await using var host = await WorkerHost.StartAsync();
        var request = new GenerateRequest("bad", [1, 2, 100_000], new SamplingParams { MaxTokens = 4 });

        await Assert.ThrowsAnyAsync<ArgumentException>(() => ReadAllAsync(host.Client.GenerateAsync(request, CancellationToken.None)));
    }

    [Fact]
    public async Task GetLoad_PollingOn_FollowsTheWorker()
    {
        await using var host = await WorkerHost.StartAsync(new RemoteEngineClientOptions { LoadPollInterval = TimeSpan.FromMilliseconds(20) });
        await using var stream = host.Client.GenerateAsync(DemoEngine.Greedy("load", maxTokens: 3000), CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());

        await DemoEngine.WaitUntilAsync(() => host.Client.GetLoad().NumRunning == 1, "the polled load to show the request");
        Assert.True(host.Client.GetLoad().KvBlocksUsed > 0);
        Assert.Equal(host.Engine.GetLoad().KvBlocksTotal, host.Client.GetLoad().KvBlocksTotal);
    }

    [Fact]
    public async Task GetKvIndex_AfterAPrompt_ListsItsChainedBlocks()
    {
        await using var host = await WorkerHost.StartAsync();
        await ReadAllAsync(host.Client.GenerateAsync(DemoEngine.Greedy("kv", maxTokens: 1, promptLength: 50), CancellationToken.None));

        var index = await host.Client.GetKvIndexAsync(CancellationToken.None);
        var direct = await host.Engine.GetKvIndexAsync(CancellationToken.None);

        Assert.Equal(16, index.BlockSize);
        Assert.Equal(3, index.Blocks.Count); // 50 prompt tokens: three full blocks of 16.
        Assert.Equal(direct.EventId, index.EventId);
        Assert.Equal(direct.Blocks.OrderBy(b => b.SequenceHash), index.Blocks.OrderBy(b => b.SequenceHash));
        var first = Assert.Single(index.Blocks, b => b.ParentHash is null);
        var second = Assert.Single(index.Blocks, b => b.ParentHash == first.SequenceHash);
        Assert.Single(index.Blocks, b => b.ParentHash == second.SequenceHash);
    }

    internal static async Task<List<TokenOutput>> ReadAllAsync(IAsyncEnumerable<TokenOutput> outputs)
    {
        var list = new List<TokenOutput>();
        await foreach (var output in outputs)
            list.Add(output);
        return list;
    }
}
