using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Engine.Tests.Fixtures;

namespace DynamoOrleans.Engine.Tests.Serving;

/// <summary>The serving engine over the real CPU runner and the tiny fixtures, against transformers' greedy references.</summary>
public class CpuEngineTests
{
    private const int NumCases = 4;

    public static TheoryData<string> Fixtures() => new() { "tiny-qwen3", "tiny-llama3" };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Generate_AllCasesConcurrently_EqualEachAloneAndReference(string fixture)
    {
        var (prompts, expected) = LoadCases(fixture);
        var requests = Requests(prompts, expected[0].Length);

        using var together = Create(fixture, new EngineOptions { BlockSize = 4, MaxBatchTokens = 24, MaxSequences = 8 });
        var outputs = together.Generate(requests);

        for (var i = 0; i < NumCases; i++)
        {
            using var alone = Create(fixture, new EngineOptions { BlockSize = 4 });
            Assert.Equal(alone.Generate([requests[i]])[0], outputs[i]);
            var trusted = TrustedGreedySteps(fixture, i) ?? expected[i].Length;
            Assert.Equal(expected[i][..trusted], outputs[i][..trusted]);
        }
    }

    [Fact]
    public void Generate_RepeatedPrompt_PrefixHitsSkipCompute()
    {
        var (prompts, expected) = LoadCases("tiny-qwen3");
        using var engine = Create("tiny-qwen3", new EngineOptions { BlockSize = 4 });
        var request = Requests(prompts, 4)[0];

        engine.Generate([request]);
        var computedFirst = engine.NumComputedTokens;
        var seq = engine.AddRequest(request with { RequestId = "again" });
        while (engine.HasWork)
            engine.Step();
        var computedSecond = engine.NumComputedTokens - computedFirst;

        var cachedBlocks = (prompts[0].Length - 1) / 4;
        Assert.Equal(cachedBlocks * 4, seq.NumCachedPromptTokens);
        Assert.Equal(computedFirst - cachedBlocks * 4, computedSecond);
        Assert.Equal(expected[0][..4], seq.OutputTokenIds.ToArray());
    }

    [Fact]
    public void Generate_TinyKvBudget_PreemptsWithSameOutputs()
    {
        var (prompts, expected) = LoadCases("tiny-qwen3");
        var longest = prompts.Max(p => p.Length) + expected[0].Length;
        // Room for little more than one sequence: the others wait or are preempted.
        using var engine = Create("tiny-qwen3", new EngineOptions { BlockSize = 4, MaxKvBlocks = (longest + 3) / 4 + 2, MaxBatchTokens = 16 });

        var outputs = engine.Generate(Requests(prompts, expected[0].Length));

        Assert.Equal(expected, outputs);
        Assert.True(engine.Scheduler.NumPreemptions > 0);
        Assert.Equal(0, engine.Blocks.NumUsedBlocks);
    }

    [Fact]
    public void Generate_Seeded_ReproducibleAlongsideOtherRequests()
    {
        var (prompts, _) = LoadCases("tiny-llama3");
        var sampling = new SamplingParams { Temperature = 1.0f, TopP = 0.9f, Seed = 1234, MaxTokens = 12, IgnoreEos = true };
        var seeded = new GenerateRequest("s", prompts[1], sampling);
        using var alone = Create("tiny-llama3", new EngineOptions { BlockSize = 4, Seed = 1 });
        using var crowded = Create("tiny-llama3", new EngineOptions { BlockSize = 4, Seed = 2 });

        var first = alone.Generate([seeded])[0];
        var noise = prompts.Select((p, i) => new GenerateRequest($"n{i}", p, sampling with { Seed = null })).ToList();
        var second = crowded.Generate([.. noise, seeded])[^1];

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Start_CancelMidStream_FreesEveryBlock()
    {
        var (prompts, _) = LoadCases("tiny-qwen3");
        await using var client = CpuEngine.Start(TestData.TinyQwen3, new EngineOptions { BlockSize = 4 });
        using var cancellation = new CancellationTokenSource();
        var received = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            var request = new GenerateRequest("a", prompts[0], new SamplingParams { Temperature = 0, MaxTokens = 1000, IgnoreEos = true });
            await foreach (var _ in client.GenerateAsync(request, cancellation.Token))
                if (++received == 2)
                    await cancellation.CancelAsync();
        });

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (client.GetLoad() is { NumRunning: > 0 } or { KvBlocksUsed: > 0 } && DateTime.UtcNow < deadline)
            await Task.Delay(5);
        Assert.Equal(0, client.GetLoad().KvBlocksUsed);
        Assert.Equal("tiny-qwen3", client.Model.Name);
    }

    /// <summary>
    /// tiny-llama3 case 3: the fixture's step 13 disagrees with an independent fp32 forward pass
    /// (see ReferenceFixtureTests.TrustedGreedySteps), so only the steps before it are compared with
    /// the fixture; batch invariance is still asserted on all 16.
    /// </summary>
    private static int? TrustedGreedySteps(string fixture, int caseIndex) =>
        (fixture, caseIndex) == ("tiny-llama3", 3) ? 13 : null;

    private static LlmEngine Create(string fixture, EngineOptions options) =>
        CpuEngine.Create(Path.Combine(TestData.Root, fixture), options);

    private static List<GenerateRequest> Requests(int[][] prompts, int maxTokens) =>
        prompts.Select((p, i) => new GenerateRequest($"case{i}", p, new SamplingParams { Temperature = 0, MaxTokens = maxTokens, IgnoreEos = true })).ToList();

    private static (int[][] Prompts, int[][] Greedy) LoadCases(string fixture)
    {
        using var reference = SafetensorsArchive.Open(Path.Combine(TestData.Root, fixture, "reference.safetensors"));
        int[] Ints(string name) => Array.ConvertAll(reference.Get(name).ToInt64Array(), v => checked((int)v));
        var prompts = Enumerable.Range(0, NumCases).Select(i => Ints($"case{i}.input_ids")).ToArray();
        var greedy = Enumerable.Range(0, NumCases).Select(i => Ints($"case{i}.greedy")).ToArray();
        return (prompts, greedy);
    }
}
