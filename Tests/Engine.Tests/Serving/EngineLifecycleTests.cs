using DynamoOrleans.Engine.Scheduling;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Engine.Tests.Fakes;

namespace DynamoOrleans.Engine.Tests.Serving;

/// <summary>Randomized request lifecycles (seeded) against the invariants of the block manager and the outputs of a cache-free reference.</summary>
public class EngineLifecycleTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomLifecycles_NoBlockLeaksAndOutputsMatchReference(int seed)
    {
        var random = new Random(seed);
        var runner = new ContextHashRunner(blockSize: 4, numKvBlocks: 24, vocabSize: 31);
        using var engine = new LlmEngine(runner, new EngineOptions { BlockSize = 4, MaxBatchTokens = 24, MaxSequences = 6, Seed = seed });
        var prefixes = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, 12).Select(_ => random.Next(31)).ToArray()).ToArray();
        // Cached or shared blocks are immutable: a step may only write into blocks its sequence owns alone.
        runner.BeforeForward = batch =>
        {
            for (var s = 0; s < batch.NumSequences; s++)
            {
                var table = batch.BlockTable(s);
                for (var t = batch.QueryStarts[s]; t < batch.QueryStarts[s + 1]; t++)
                {
                    var blockId = table[batch.Positions[t] / 4];
                    Assert.False(engine.Blocks.IsCached(blockId), $"write into cached block {blockId}");
                    Assert.Equal(1, engine.Blocks.RefCount(blockId));
                }
            }
        };
        var live = new List<Sequence>();
        var numFinished = 0;
        var numCancelled = 0;

        for (var step = 0; numFinished + numCancelled < 1000; step++)
        {
            while (live.Count < 10 && random.NextDouble() < 0.5)
            {
                var prefix = prefixes[random.Next(prefixes.Length)].AsSpan(0, random.Next(13));
                var prompt = prefix.ToArray().Concat(Enumerable.Range(0, 1 + random.Next(10)).Select(_ => random.Next(31))).ToArray();
                var sampling = new SamplingParams { Temperature = 0, MaxTokens = 1 + random.Next(12), IgnoreEos = true };
                live.Add(engine.AddRequest(new GenerateRequest($"r{step}", prompt, sampling) { Priority = random.Next(3) }));
            }
            if (live.Count > 0 && random.NextDouble() < 0.08)
            {
                var victim = live[random.Next(live.Count)];
                engine.Abort(victim);
                live.Remove(victim);
                numCancelled++;
            }

            foreach (var (seq, output) in engine.Step())
            {
                if (!output.IsFinal)
                    continue;
                live.Remove(seq);
                numFinished++;
                var prompt = seq.TokenIds[..seq.NumPromptTokens].ToArray();
                Assert.Equal(runner.Reference(prompt, seq.NumOutputTokens), seq.OutputTokenIds.ToArray());
                Assert.Equal(FinishReason.Length, output.Finish);
            }
            AssertBlockInvariants(engine);
        }

        foreach (var seq in live)
            engine.Abort(seq);
        Assert.Equal(0, engine.Blocks.NumUsedBlocks);
        Assert.True(engine.Scheduler.NumPreemptions > 0, "the budget is meant to force preemptions");
        Assert.True(engine.Blocks.NumHitTokens > 0, "the shared prefixes are meant to hit the cache");
    }

    private static void AssertBlockInvariants(LlmEngine engine)
    {
        var blocks = engine.Blocks;
        var references = new int[blocks.NumBlocks];
        foreach (var seq in engine.Scheduler.Running)
        {
            Assert.Equal(ForwardBatchBlocks(seq.NumComputedTokens, blocks.BlockSize), seq.BlockTable.Count);
            foreach (var blockId in seq.BlockTable)
                references[blockId]++;
        }
        foreach (var seq in engine.Scheduler.Waiting)
            Assert.Empty(seq.BlockTable);
        var used = 0;
        for (var b = 0; b < blocks.NumBlocks; b++)
        {
            Assert.Equal(references[b], blocks.RefCount(b));
            if (references[b] > 0)
                used++;
        }
        Assert.Equal(used, blocks.NumUsedBlocks);
    }

    private static int ForwardBatchBlocks(int tokens, int blockSize) => (tokens + blockSize - 1) / blockSize;
}
