using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Engine.Tests.Fakes;

namespace DynamoOrleans.Engine.Tests.Serving;

/// <summary>
/// The engine's pick-on-the-runner paths (GPU runners): argmax for all-greedy steps, the device sampler for
/// plain sampled steps, the host sampler whenever a row needs the logits (logprobs, penalties).
/// </summary>
public class DeviceSamplingTests
{
    private static readonly int[][] s_prompts = [[1, 2, 3, 4, 5], [9, 8, 7], [4, 4, 4, 4, 4, 4, 4, 4, 4], [11]];

    [Fact]
    public void Generate_PlainGreedy_PicksOnRunnerWithHostPathTokens()
    {
        var runner = new DeviceSamplingContextHashRunner();
        using var onDevice = new LlmEngine(runner, new EngineOptions { BlockSize = 4, MaxBatchTokens = 16 });
        using var onHost = new LlmEngine(new ContextHashRunner(blockSize: 4, numKvBlocks: 64), new EngineOptions { BlockSize = 4, MaxBatchTokens = 16 });
        var greedy = new SamplingParams { Temperature = 0, MaxTokens = 12, IgnoreEos = true };

        var expected = onHost.Generate(Requests(greedy));
        var actual = onDevice.Generate(Requests(greedy));

        Assert.Equal(expected, actual);
        Assert.Equal(0, runner.NumForwardCalls + runner.NumSampleCalls);
        Assert.True(runner.NumGreedyCalls > 0);
    }

    [Fact]
    public void Generate_GreedyWithLogprobsOrPenalty_UsesHostLogits()
    {
        var runner = new DeviceSamplingContextHashRunner();
        using var engine = new LlmEngine(runner, new EngineOptions { BlockSize = 4, MaxBatchTokens = 16 });
        var plain = new SamplingParams { Temperature = 0, MaxTokens = 4, IgnoreEos = true };

        engine.Generate([
            new GenerateRequest("plain", s_prompts[0], plain),
            new GenerateRequest("logprobs", s_prompts[1], plain with { Logprobs = 1 }),
            new GenerateRequest("penalty", s_prompts[2], plain with { RepetitionPenalty = 1.2f }),
        ]);

        Assert.Equal(0, runner.NumGreedyCalls + runner.NumSampleCalls);
        Assert.True(runner.NumForwardCalls > 0);
    }

    [Fact]
    public void Generate_SeededSampled_SameUniformsAloneAndInACrowdWithChunkedPrefill()
    {
        var sampled = new SamplingParams { Temperature = 0.8f, TopP = 0.9f, MaxTokens = 10, IgnoreEos = true };
        var seeded = new GenerateRequest("seeded", s_prompts[2], sampled with { Seed = 7 });
        var aloneRunner = new DeviceSamplingContextHashRunner();
        using var alone = new LlmEngine(aloneRunner, new EngineOptions { BlockSize = 4, MaxBatchTokens = 16, Seed = 1 });
        // A 4-token budget splits the seeded prompt into chunks, which must draw no numbers.
        using var crowded = new LlmEngine(new DeviceSamplingContextHashRunner(), new EngineOptions { BlockSize = 4, MaxBatchTokens = 4, Seed = 2 });

        var first = alone.Generate([seeded])[0];
        var second = crowded.Generate([.. Requests(sampled with { Seed = null }), seeded])[^1];

        Assert.Equal(first, second);
        var random = new Random(7);
        Assert.Equal(Enumerable.Range(0, 10).Select(_ => (int)(random.NextSingle() * 97)), first);
        Assert.True(aloneRunner.NumSampleCalls > 0);
    }

    private static List<GenerateRequest> Requests(SamplingParams sampling) =>
        s_prompts.Select((p, i) => new GenerateRequest($"r{i}", p, sampling)).ToList();
}
