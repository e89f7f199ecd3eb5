using DynamoOrleans.Engine.Backends.Cpu;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Runtime;
using DynamoOrleans.Engine.Tests.Fixtures;

namespace DynamoOrleans.Engine.Tests.Backends.Cpu;

/// <summary>The KV cache as the scheduler uses it: chunked prefill through scattered blocks, and several sequences in one batch.</summary>
public class PagedPrefillTests
{
    private const float Tolerance = 1e-4f;

    [Fact]
    public void Forward_PrefillInChunksThroughScatteredBlocks_EqualsOnePass()
    {
        using var model = ModelFolder.Open(TestData.TinyQwen3);
        using var runner = new CpuModelRunner(model, new KvCacheOptions { NumBlocks = 40 });
        var prompt = Prompt(100, seed: 1);
        var driver = new RunnerDriver(runner);

        var onePass = driver.PrefillAll(prompt, Enumerable.Range(0, 7).ToArray());
        int[] scattered = [31, 4, 17, 9, 38, 22, 13];
        var chunked = driver.PrefillAll(prompt, scattered, chunk: 23);

        Assert.True(RunnerDriver.MaxAbsDiff(onePass, chunked) < Tolerance);
    }

    [Fact]
    public void Forward_BatchMixingPrefillAndDecode_EqualsEachSequenceAlone()
    {
        using var model = ModelFolder.Open(TestData.TinyLlama3);
        using var runner = new CpuModelRunner(model, new KvCacheOptions { NumBlocks = 32 });
        var vocab = runner.VocabSize;
        var a = Prompt(40, seed: 2);
        var b = Prompt(21, seed: 3);
        int[] tableA = [5, 9, 1];
        int[] tableB = [12, 3];

        // Alone: a's last token from its 39-token prefix, b's whole prompt.
        var driver = new RunnerDriver(runner);
        driver.PrefillAll(a[..39], tableA);
        var aloneA = Step(runner, driver.Batch, (a[39..], 39, tableA));
        var aloneB = Step(runner, driver.Batch, (b, 0, tableB));

        // Together: rebuild a's prefix in other blocks, then decode a and prefill b in one batch.
        int[] tableA2 = [20, 21, 22];
        int[] tableB2 = [30, 0];
        driver.PrefillAll(a[..39], tableA2);
        var both = Step(runner, driver.Batch, (a[39..], 39, tableA2), (b, 0, tableB2));

        Assert.True(RunnerDriver.MaxAbsDiff(aloneA, both.AsSpan(0, vocab)) < Tolerance);
        Assert.True(RunnerDriver.MaxAbsDiff(aloneB, both.AsSpan(vocab, vocab)) < Tolerance);
    }

    [Fact]
    public void Forward_BlockIdOutOfRange_Throws()
    {
        using var model = ModelFolder.Open(TestData.TinyQwen3);
        using var runner = new CpuModelRunner(model, new KvCacheOptions { NumBlocks = 4 });
        var batch = new ForwardBatch(16, 2, 4);
        batch.Clear(runner.BlockSize);
        batch.AddSequence([1, 2, 3], 0, [4]);
        var e = Assert.Throws<ArgumentException>(() => runner.Forward(batch, new float[runner.VocabSize]));
        Assert.Contains("block 4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_MemoryBudget_SizesBlocksFromModelShape()
    {
        using var model = ModelFolder.Open(TestData.TinyQwen3);
        var c = model.Config;
        var bytesPerBlock = (long)c.NumLayers * 2 * 16 * c.NumKeyValueHeads * c.HeadDim * sizeof(float);
        using var runner = new CpuModelRunner(model, new KvCacheOptions { MemoryBudgetBytes = bytesPerBlock * 10 + 5 });
        Assert.Equal(10, runner.NumKvBlocks);
        Assert.Equal(160, runner.MaxContextLength);
    }

    [Fact]
    public void Forward_AfterModelFolderDisposed_StillReadsWeights()
    {
        var prompt = Prompt(12, seed: 8);
        float[] expected;
        using (var model = ModelFolder.Open(TestData.TinyQwen3))
        using (var runner = new CpuModelRunner(model, new KvCacheOptions { NumBlocks = 4 }))
            expected = new RunnerDriver(runner).PrefillAll(prompt, [0]);

        var folder = ModelFolder.Open(TestData.TinyQwen3);
        using var survivor = new CpuModelRunner(folder, new KvCacheOptions { NumBlocks = 4 });
        folder.Dispose();

        Assert.Equal(expected, new RunnerDriver(survivor).PrefillAll(prompt, [0]));
    }

    [Fact]
    public void Constructor_KvBudgetTooSmall_ThrowsAndReleasesMapping()
    {
        using var model = ModelFolder.Open(TestData.TinyQwen3);
        Assert.Throws<ArgumentException>(() => new CpuModelRunner(model, new KvCacheOptions { MemoryBudgetBytes = 10 }));
    }

    private static float[] Step(CpuModelRunner runner, ForwardBatch batch, params (int[] Tokens, int Cached, int[] Table)[] sequences)
    {
        batch.Clear(runner.BlockSize);
        foreach (var (tokens, cached, table) in sequences)
            batch.AddSequence(tokens, cached, table);
        var logits = new float[batch.NumLogitRows * runner.VocabSize];
        runner.Forward(batch, logits);
        return logits;
    }

    internal static int[] Prompt(int length, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => rng.Next(3, 1000)).ToArray();
    }
}
