using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Engine.Tests.Fakes;
using DynamoOrleans.Engine.Tests.Kv;

namespace DynamoOrleans.Engine.Tests.Serving;

public class LlmEngineTests
{
    private static readonly SamplingParams Greedy = new() { Temperature = 0, MaxTokens = 12, IgnoreEos = true };

    [Fact]
    public void Generate_ConcurrentGreedy_EqualsEachAloneAndReference()
    {
        var prompts = Prompts(6, seed: 1);
        var runner = new ContextHashRunner(blockSize: 4, numKvBlocks: 128);
        using var engine = new LlmEngine(runner, Options(maxBatchTokens: 16));

        var together = engine.Generate(prompts.Select((p, i) => new GenerateRequest($"r{i}", p, Greedy)).ToList());

        for (var i = 0; i < prompts.Count; i++)
        {
            using var alone = new LlmEngine(new ContextHashRunner(blockSize: 4, numKvBlocks: 128), Options(maxBatchTokens: 16));
            Assert.Equal(alone.Generate([new GenerateRequest("a", prompts[i], Greedy)])[0], together[i]);
            Assert.Equal(runner.Reference(prompts[i], Greedy.MaxTokens), together[i]);
        }
        Assert.True(runner.MaxTokensInOneForward <= 16);
    }

    [Fact]
    public void Generate_SharedPrefix_SkipsCachedTokens()
    {
        var runner = new ContextHashRunner(blockSize: 4, numKvBlocks: 64);
        using var engine = new LlmEngine(runner, Options());
        var prefix = Enumerable.Range(1, 16).ToArray();
        var first = prefix.Append(40).ToArray();
        var second = prefix.Append(41).ToArray();
        var sampling = Greedy with { MaxTokens = 1 };

        engine.Generate([new GenerateRequest("a", first, sampling)]);
        var computedBefore = runner.NumTokensComputed;
        var seq = engine.AddRequest(new GenerateRequest("b", second, sampling));
        while (engine.HasWork)
            engine.Step();

        Assert.Equal(1, runner.NumTokensComputed - computedBefore);
        Assert.Equal(16, seq.NumCachedPromptTokens);
        Assert.Equal(runner.Reference(second, 1), seq.OutputTokenIds.ToArray());
        Assert.Equal(16.0 / 34, engine.Blocks.PrefixHitRate, 6);
    }

    [Fact]
    public void Generate_TinyKvBudget_PreemptsAndMatchesPlentiful()
    {
        var prompts = Prompts(8, seed: 2);
        var requests = prompts.Select((p, i) => new GenerateRequest($"r{i}", p, Greedy with { MaxTokens = 20 })).ToList();
        using var plentiful = new LlmEngine(new ContextHashRunner(numKvBlocks: 256), Options());
        using var tiny = new LlmEngine(new ContextHashRunner(numKvBlocks: 14), Options());

        var expected = plentiful.Generate(requests);
        var actual = tiny.Generate(requests);

        Assert.Equal(expected, actual);
        Assert.True(tiny.Scheduler.NumPreemptions > 0);
        Assert.Equal(0, plentiful.Scheduler.NumPreemptions);
        Assert.Equal(0, tiny.Blocks.NumUsedBlocks);
    }

    [Fact]
    public void Generate_SeededSampling_ReproducibleAcrossBatchesAndPreemption()
    {
        var prompts = Prompts(5, seed: 3);
        var sampling = new SamplingParams { Temperature = 0.9f, TopP = 0.95f, TopK = 40, MaxTokens = 16, IgnoreEos = true };
        var requests = prompts.Select((p, i) => new GenerateRequest($"r{i}", p, sampling with { Seed = 1000 + i })).ToList();
        using var batched = new LlmEngine(new ContextHashRunner(numKvBlocks: 12), Options());
        using var roomy = new LlmEngine(new ContextHashRunner(numKvBlocks: 256), Options(maxSequences: 1));

        Assert.Equal(roomy.Generate(requests), batched.Generate(requests));
        Assert.True(batched.Scheduler.NumPreemptions > 0);
    }

    [Fact]
    public void Step_StopTokenAndMinTokens_FinishAsVllmDoes()
    {
        var runner = new ContextHashRunner();
        int[] prompt = [5, 6, 7];
        var reference = runner.Reference(prompt, 8);
        using var engine = new LlmEngine(runner, Options());

        var stopAtThird = engine.Generate([new GenerateRequest("a", prompt, Greedy with { StopTokenIds = [reference[2]] })]);
        Assert.Equal(reference[..3], stopAtThird[0]);

        var eosCard = new ModelCard("m", 4096, 4, runner.VocabSize, [reference[0]]);
        using var withEos = new LlmEngine(runner, Options(), eosCard);
        var seq = withEos.AddRequest(new GenerateRequest("b", prompt, new SamplingParams { Temperature = 0, MaxTokens = 5 }));
        while (withEos.HasWork)
            withEos.Step();
        Assert.Equal(FinishReason.Stop, seq.Finish);
        Assert.Equal([reference[0]], seq.OutputTokenIds.ToArray());
    }

    [Fact]
    public void Step_StopTokenWithIgnoreEos_StillStops()
    {
        var runner = new ContextHashRunner();
        int[] prompt = [9, 8];
        var reference = runner.Reference(prompt, 6);
        var card = new ModelCard("m", 4096, 4, runner.VocabSize, [reference[0]]);
        using var engine = new LlmEngine(runner, Options(), card);

        var outputs = engine.Generate([new GenerateRequest("a", prompt, Greedy with { IgnoreEos = true, StopTokenIds = [reference[3]] })]);

        Assert.Equal(reference[..4], outputs[0]);
    }

    [Fact]
    public void Step_ContextFull_FinishesWithLength()
    {
        using var engine = new LlmEngine(new ContextHashRunner(), Options() with { MaxContextLength = 10 });
        var seq = engine.AddRequest(new GenerateRequest("a", [1, 2, 3, 4, 5, 6], Greedy with { MaxTokens = 100 }));
        while (engine.HasWork)
            engine.Step();

        Assert.Equal(FinishReason.Length, seq.Finish);
        Assert.Equal(10, seq.NumTokens);
    }

    [Fact]
    public void Abort_MidPrefillAndMidDecode_FreesEveryBlock()
    {
        var runner = new ContextHashRunner(numKvBlocks: 64);
        using var engine = new LlmEngine(runner, Options(maxBatchTokens: 8));
        var prefilling = engine.AddRequest(new GenerateRequest("a", Enumerable.Range(1, 40).ToArray(), Greedy));
        var decoding = engine.AddRequest(new GenerateRequest("b", [1, 2, 3], Greedy));
        engine.Step();
        engine.Step();

        engine.Abort(prefilling);
        engine.Abort(decoding);

        Assert.False(engine.HasWork);
        Assert.Equal(0, engine.Blocks.NumUsedBlocks);
        Assert.Equal(FinishReason.Cancelled, prefilling.Finish);
    }

    [Fact]
    public void Step_KvEvents_NumberedWithoutGaps()
    {
        var sink = new RecordingKvEventSink();
        using var engine = new LlmEngine(new ContextHashRunner(numKvBlocks: 10), Options(), kvEvents: sink);
        engine.Generate(Prompts(6, seed: 4).Select((p, i) => new GenerateRequest($"r{i}", p, Greedy)).ToList());

        Assert.NotEmpty(sink.Events);
        Assert.Equal(Enumerable.Range(1, sink.Events.Count).Select(i => (long)i), sink.Events.Select(e => e.EventId));
        Assert.Contains(sink.Events, e => e is Engine.Kv.KvEvent.Removed);
    }

    [Fact]
    public void GetLoad_WhileRunning_ReportsQueueAndBlocks()
    {
        using var engine = new LlmEngine(new ContextHashRunner(numKvBlocks: 32), Options(maxBatchTokens: 8, maxSequences: 1));
        engine.AddRequest(new GenerateRequest("a", Enumerable.Range(1, 20).ToArray(), Greedy));
        engine.AddRequest(new GenerateRequest("b", [1, 2], Greedy));
        engine.Step();

        var load = engine.GetLoad();

        Assert.Equal(new EngineLoad(1, 1, 2, 32, 0, 12 + 2, 0), load);
    }

    [Fact]
    public void AddRequest_Invalid_Throws()
    {
        using var engine = new LlmEngine(new ContextHashRunner(numKvBlocks: 8), Options());
        Assert.Throws<ArgumentException>(() => engine.AddRequest(new GenerateRequest("a", [], Greedy)));
        Assert.Throws<ArgumentException>(() => engine.AddRequest(new GenerateRequest("a", [1000], Greedy)));
        Assert.Throws<ArgumentException>(() => engine.AddRequest(new GenerateRequest("a", new int[32], Greedy)));
        Assert.Throws<ArgumentException>(() => engine.AddRequest(new GenerateRequest("a", [1], Greedy with { TopP = 0 })));
        Assert.Equal(32, engine.Model.MaxContextLength);
    }

    [Fact]
    public void Constructor_BadOptions_ListsEveryProblem()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new LlmEngine(new ContextHashRunner(), new EngineOptions { BlockSize = 4, MaxBatchTokens = 0, MaxSequences = 0 }));
        Assert.Contains("MaxBatchTokens", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxSequences", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new LlmEngine(new ContextHashRunner(), new EngineOptions { BlockSize = 16 }));
    }

    [Fact]
    public void Step_SteadyGreedyDecode_AllocatesNothing()
    {
        using var engine = new LlmEngine(new ContextHashRunner(numKvBlocks: 256), Options());
        for (var i = 0; i < 4; i++)
            engine.AddRequest(new GenerateRequest($"r{i}", [1, 2, 3 + i], Greedy with { MaxTokens = 200 }));
        for (var i = 0; i < 10; i++)
            engine.Step();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
            engine.Step();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        _ = engine.GetLoad();

        Assert.Equal(0, allocated);
        Assert.Equal(4, engine.Scheduler.NumRunning);
    }

    internal static EngineOptions Options(int maxBatchTokens = 32, int maxSequences = 8) =>
        new() { BlockSize = 4, MaxBatchTokens = maxBatchTokens, MaxSequences = maxSequences, Seed = 7 };

    private static List<int[]> Prompts(int count, int seed)
    {
        var random = new Random(seed);
        var shared = Enumerable.Range(0, 8).Select(_ => random.Next(97)).ToArray();
        return Enumerable.Range(0, count)
            .Select(i => shared.Take(i % 3 * 4).Concat(Enumerable.Range(0, 3 + random.Next(14)).Select(_ => random.Next(97))).ToArray())
            .ToList();
    }
}
