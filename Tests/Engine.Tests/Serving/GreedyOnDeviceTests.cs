using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Engine.Tests.Fakes;

namespace DynamoOrleans.Engine.Tests.Serving;

/// <summary>The engine's argmax-on-the-runner path (GPU runners): taken only for plain greedy steps, and giving the host path's tokens.</summary>
public class GreedyOnDeviceTests
{
    private static readonly int[][] s_prompts = [[1, 2, 3, 4, 5], [9, 8, 7], [4, 4, 4, 4, 4, 4, 4, 4, 4], [11]];

    [Fact]
    public void Generate_PlainGreedy_PicksOnRunnerWithHostPathTokens()
    {
        var runner = new GreedyContextHashRunner();
        using var onDevice = new LlmEngine(runner, new EngineOptions { BlockSize = 4, MaxBatchTokens = 16 });
        using var onHost = new LlmEngine(new ContextHashRunner(blockSize: 4, numKvBlocks: 64), new EngineOptions { BlockSize = 4, MaxBatchTokens = 16 });

        var expected = onHost.Generate(Requests(new SamplingParams { Temperature = 0, MaxTokens = 12, IgnoreEos = true }));
        var actual = onDevice.Generate(Requests(new SamplingParams { Temperature = 0, MaxTokens = 12, IgnoreEos = true }));

        Assert.Equal(expected, actual);
        Assert.Equal(0, runner.NumForwardCalls);
        Assert.True(runner.NumGreedyCalls > 0);
    }

    [Fact]
    public void Generate_GreedyWithLogprobsOrPenalty_UsesHostLogits()
    {
        var runner = new GreedyContextHashRunner();
        using var engine = new LlmEngine(runner, new EngineOptions { BlockSize = 4, MaxBatchTokens = 16 });
        var plain = new SamplingParams { Temperature = 0, MaxTokens = 4, IgnoreEos = true };

        engine.Generate([
            new GenerateRequest("plain", s_prompts[0], plain),
            new GenerateRequest("logprobs", s_prompts[1], plain with { Logprobs = 1 }),
            new GenerateRequest("penalty", s_prompts[2], plain with { RepetitionPenalty = 1.2f }),
        ]);

        Assert.Equal(0, runner.NumGreedyCalls);
        Assert.True(runner.NumForwardCalls > 0);
    }

    private static List<GenerateRequest> Requests(SamplingParams sampling) =>
        s_prompts.Select((p, i) => new GenerateRequest($"r{i}", p, sampling)).ToList();
}
