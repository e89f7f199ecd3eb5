using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Engine.Tests.Fakes;

namespace DynamoOrleans.Engine.Tests.Serving;

public class EngineClientTests
{
    private static readonly SamplingParams Greedy = new() { Temperature = 0, MaxTokens = 10, IgnoreEos = true };
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task GenerateAsync_ConcurrentStreams_EachGetsItsReferenceTokens()
    {
        var runner = new ContextHashRunner(numKvBlocks: 64);
        await using var client = new EngineClient(new LlmEngine(runner, LlmEngineTests.Options()));
        var prompts = Enumerable.Range(0, 8).Select(i => Enumerable.Range(i, 3 + i).ToArray()).ToList();

        var results = await Task.WhenAll(prompts.Select(async (p, i) =>
        {
            var outputs = new List<TokenOutput>();
            await foreach (var output in client.GenerateAsync(new GenerateRequest($"r{i}", p, Greedy), CancellationToken.None))
                outputs.Add(output);
            return outputs;
        })).WaitAsync(Timeout);

        for (var i = 0; i < prompts.Count; i++)
        {
            Assert.Equal(runner.Reference(prompts[i], 10), results[i].Select(o => o.TokenId));
            Assert.Equal(FinishReason.Length, results[i][^1].Finish);
            Assert.All(results[i][..^1], o => Assert.Null(o.Finish));
        }
        Assert.Equal(0, (await WaitForLoad(client, l => l.NumRunning == 0)).KvBlocksUsed);
    }

    [Fact]
    public async Task GenerateAsync_Cancelled_ThrowsAndFreesBlocks()
    {
        var runner = new ContextHashRunner(numKvBlocks: 64);
        await using var client = new EngineClient(new LlmEngine(runner, LlmEngineTests.Options()));
        using var cancellation = new CancellationTokenSource();

        var received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in client.GenerateAsync(new GenerateRequest("a", [1, 2, 3], Greedy with { MaxTokens = 100_000 }), cancellation.Token))
            {
                if (++received == 3)
                    await cancellation.CancelAsync();
            }
        }).WaitAsync(Timeout);

        var load = await WaitForLoad(client, l => l.NumRunning == 0 && l.NumWaiting == 0);
        Assert.Equal(0, load.KvBlocksUsed);
    }

    [Fact]
    public async Task GenerateAsync_ReaderStopsEarly_AbortsRequest()
    {
        await using var client = new EngineClient(new LlmEngine(new ContextHashRunner(numKvBlocks: 64), LlmEngineTests.Options()));
        await foreach (var _ in client.GenerateAsync(new GenerateRequest("a", [1, 2, 3], Greedy with { MaxTokens = 100_000 }), CancellationToken.None))
            break;

        var load = await WaitForLoad(client, l => l.NumRunning == 0 && l.NumWaiting == 0);
        Assert.Equal(0, load.KvBlocksUsed);
    }

    [Fact]
    public async Task GenerateAsync_RunnerFails_EndsWithErrorThenThrows()
    {
        var runner = new ContextHashRunner();
        runner.BeforeForward = _ => throw new InvalidOperationException("device lost");
        await using var client = new EngineClient(new LlmEngine(runner, LlmEngineTests.Options()));
        var outputs = new List<TokenOutput>();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var output in client.GenerateAsync(new GenerateRequest("a", [1, 2], Greedy), CancellationToken.None))
                outputs.Add(output);
        }).WaitAsync(Timeout);

        Assert.Equal("device lost", error.Message);
        Assert.Equal([new TokenOutput(-1, FinishReason.Error)], outputs);
        Assert.Same(error, client.LastError);

        // The loop survives and serves the next request.
        runner.BeforeForward = null;
        var tokens = new List<int>();
        await foreach (var output in client.GenerateAsync(new GenerateRequest("b", [1, 2], Greedy), CancellationToken.None))
            tokens.Add(output.TokenId);
        Assert.Equal(runner.Reference([1, 2], 10), tokens);
    }

    [Fact]
    public async Task DisposeAsync_InFlight_EndsStreamsCancelled()
    {
        var runner = new ContextHashRunner(numKvBlocks: 64);
        // Hold the engine inside its second step, so the dispose lands mid-request.
        using var gate = new ManualResetEventSlim(false);
        var numForwards = 0;
        runner.BeforeForward = _ =>
        {
            if (++numForwards > 1)
                gate.Wait();
        };
        var client = new EngineClient(new LlmEngine(runner, LlmEngineTests.Options()));
        var stream = client.GenerateAsync(new GenerateRequest("a", [1, 2, 3], Greedy with { MaxTokens = 200 }), CancellationToken.None);
        var outputs = new List<TokenOutput>();
        await using (var reader = stream.GetAsyncEnumerator())
        {
            Assert.True(await reader.MoveNextAsync().AsTask().WaitAsync(Timeout));
            var disposing = client.DisposeAsync().AsTask();
            gate.Set();
            await disposing.WaitAsync(Timeout);
            do
                outputs.Add(reader.Current);
            while (await reader.MoveNextAsync());
        }

        Assert.Equal(FinishReason.Cancelled, outputs[^1].Finish);
        Assert.Equal(-1, outputs[^1].TokenId);
        Assert.Throws<ObjectDisposedException>(() => client.GenerateAsync(new GenerateRequest("b", [1], Greedy), CancellationToken.None));
    }

    [Fact]
    public async Task GenerateAsync_InvalidRequest_ThrowsInCallersFrame()
    {
        await using var client = new EngineClient(new LlmEngine(new ContextHashRunner(), LlmEngineTests.Options()));
        Assert.Throws<ArgumentException>(() => client.GenerateAsync(new GenerateRequest("a", [], Greedy), CancellationToken.None));
        Assert.Equal(4, client.Model.BlockSize);
    }

    private static async Task<EngineLoad> WaitForLoad(EngineClient client, Func<EngineLoad, bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var load = client.GetLoad();
            if (condition(load))
                return load;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"load never matched: {load}");
            await Task.Delay(5);
        }
    }
}
