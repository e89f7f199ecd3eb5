using DynamoOrleans.Engine.Backends.Cpu;
using DynamoOrleans.Engine.Backends.Cuda.Model;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Runtime;
using DynamoOrleans.Engine.Tests.Backends.Cpu;
using DynamoOrleans.Engine.Tests.Fixtures;
using Xunit.Abstractions;

namespace DynamoOrleans.Engine.Tests.Backends.Cuda;

/// <summary>
/// The CUDA runner against transformers' fp32 reference for the tiny fixtures (bf16 path: logits within 0.1,
/// greedy tokens equal until the reference's top-2 margin drops under that) and against the CPU runner.
/// </summary>
public sealed class CudaReferenceFixtureTests(ITestOutputHelper output)
{
    private const float Tolerance = 0.1f;

    public static TheoryData<string, int> Cases() => new()
    {
        { "tiny-qwen3", 0 }, { "tiny-qwen3", 1 }, { "tiny-qwen3", 2 }, { "tiny-qwen3", 3 },
        { "tiny-llama3", 0 }, { "tiny-llama3", 1 }, { "tiny-llama3", 2 }, { "tiny-llama3", 3 },
    };

    [GpuTheory]
    [MemberData(nameof(Cases))]
    public void Forward_Prompt_MatchesReferenceLogitsAtEveryPosition(string fixture, int caseIndex)
    {
        var (prompt, expected, _) = Reference(fixture, caseIndex);
        using var model = ModelFolder.Open(Path.Combine(TestData.Root, fixture));
        using var runner = new CudaModelRunner(model, new CudaRunnerOptions { NumKvBlocks = 64, MaxBatchTokens = 512, MaxSequences = 8 });
        var table = Enumerable.Range(0, 64).Reverse().ToArray();
        var logits = new RunnerDriver(runner).PrefillAll(prompt, table);
        var diff = RunnerDriver.MaxAbsDiff(expected, logits);
        output.WriteLine($"{fixture} case{caseIndex} (L={prompt.Length}): max |Δlogit| = {diff:E2}");
        Assert.True(diff < Tolerance, $"max abs diff {diff}");
    }

    /// <summary>tiny-qwen3 has head dim 64, which the tensor-core prefill kernel serves (tiny-llama3's 32 falls back).</summary>
    [GpuTheory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Forward_TensorCorePrefill_MatchesReferenceLogits(int caseIndex)
    {
        var (prompt, expected, _) = Reference("tiny-qwen3", caseIndex);
        using var model = ModelFolder.Open(Path.Combine(TestData.Root, "tiny-qwen3"));
        using var runner = new CudaModelRunner(model, new CudaRunnerOptions { NumKvBlocks = 64, MaxBatchTokens = 512, MaxSequences = 8, TensorCorePrefill = true });
        var table = Enumerable.Range(0, 64).Select(i => (i * 7) % 64).ToArray();
        var whole = RunnerDriver.MaxAbsDiff(expected, new RunnerDriver(runner).PrefillAll(prompt, table));
        var chunked = RunnerDriver.MaxAbsDiff(expected, new RunnerDriver(runner).PrefillAll(prompt, table, chunk: 24));
        output.WriteLine($"tiny-qwen3 case{caseIndex} (L={prompt.Length}) on tensor cores: max |Δlogit| {whole:E2} whole, {chunked:E2} in chunks of 24");
        Assert.True(whole < Tolerance, $"max abs diff {whole}");
        Assert.True(chunked < Tolerance, $"max abs diff in chunks {chunked}");
    }

    [GpuTheory]
    [MemberData(nameof(Cases))]
    public void Forward_ChunkedPrefill_MatchesReferenceLogits(string fixture, int caseIndex)
    {
        var (prompt, expected, _) = Reference(fixture, caseIndex);
        using var model = ModelFolder.Open(Path.Combine(TestData.Root, fixture));
        using var runner = new CudaModelRunner(model, new CudaRunnerOptions { NumKvBlocks = 64, MaxBatchTokens = 512, MaxSequences = 8 });
        var table = Enumerable.Range(0, 64).Select(i => (i * 7) % 64).ToArray();
        var logits = new RunnerDriver(runner).PrefillAll(prompt, table, chunk: 24);
        var diff = RunnerDriver.MaxAbsDiff(expected, logits);
        Assert.True(diff < Tolerance, $"max abs diff {diff}");
    }

    [GpuTheory]
    [MemberData(nameof(Cases))]
    public void Greedy_DecodeThroughKvCache_MatchesReferenceUntilNearTie(string fixture, int caseIndex)
    {
        var (prompt, _, greedy) = Reference(fixture, caseIndex);
        using var model = ModelFolder.Open(Path.Combine(TestData.Root, fixture));
        using var runner = new CudaModelRunner(model, new CudaRunnerOptions { NumKvBlocks = 64, MaxBatchTokens = 512, MaxSequences = 8 });
        var table = Enumerable.Range(0, 64).Reverse().ToArray();
        var tokens = new RunnerDriver(runner).Greedy(prompt, table, greedy.Length);

        // Where the reference's own top-2 margin is under the tolerance, bf16 may pick either: stop comparing there.
        using var cpuModel = ModelFolder.Open(Path.Combine(TestData.Root, fixture));
        using var cpu = new CpuModelRunner(cpuModel, new KvCacheOptions { NumBlocks = 64 });
        var full = prompt.Concat(greedy).ToArray();
        var cpuLogits = new RunnerDriver(cpu).PrefillAll(full, table);
        var vocab = runner.VocabSize;
        for (var i = 0; i < greedy.Length; i++)
        {
            var row = cpuLogits.AsSpan((prompt.Length - 1 + i) * vocab, vocab);
            if (TopTwoMargin(row) < Tolerance)
            {
                output.WriteLine($"{fixture} case{caseIndex}: near-tie at step {i}; compared {i} tokens");
                return;
            }
            Assert.Equal(greedy[i], tokens[i]);
        }
    }

    [GpuFact]
    public void Forward_MixedBatch_AgreesWithCpuRunner()
    {
        var dir = Path.Combine(TestData.Root, "tiny-qwen3");
        using var model = ModelFolder.Open(dir);
        // Norms folded into the GEMVs wherever they fit (steps 4 and 5), whichever kernels timing would pick here.
        using var gpu = new CudaModelRunner(model, new CudaRunnerOptions { NumKvBlocks = 96, MaxBatchTokens = 512, MaxSequences = 8, FuseDecodeNorms = true, AlwaysFuseDecodeNorms = true, SplitMixedAttention = true });
        using var cpu = new CpuModelRunner(model, new KvCacheOptions { NumBlocks = 96 });
        var random = new Random(11);
        int[][] prompts = [Tokens(random, 40), Tokens(random, 5), Tokens(random, 300), Tokens(random, 17)];
        int[][] tables = [.. Enumerable.Range(0, 4).Select(s => Enumerable.Range(s * 24, 24).Reverse().ToArray())];
        var batch = new ForwardBatch(512, 8, 24);
        var gpuLogits = new float[4 * 1024];
        var cpuLogits = new float[4 * 1024];

        // Step 1: all four prompts prefilled in one batch (the third in two chunks: first 200 tokens here).
        batch.Clear(16);
        batch.AddSequence(prompts[0], 0, tables[0]);
        batch.AddSequence(prompts[1], 0, tables[1]);
        batch.AddSequence(prompts[2].AsSpan(0, 200), 0, tables[2]);
        batch.AddSequence(prompts[3], 0, tables[3]);
        gpu.Forward(batch, gpuLogits);
        cpu.Forward(batch, cpuLogits);
        Assert.True(RunnerDriver.MaxAbsDiff(cpuLogits, gpuLogits) < Tolerance);

        // Step 2: decodes of three sequences alongside the rest of the long prompt. The two leading decodes take the
        // decode kernel and the rest flash_prefill (where the last decode rides along with the prompt's rows).
        batch.Clear(16);
        batch.AddSequence([3], 40, tables[0]);
        batch.AddSequence([9], 5, tables[1]);
        batch.AddSequence(prompts[2].AsSpan(200), 200, tables[2]);
        batch.AddSequence([700], 17, tables[3]);
        gpu.Forward(batch, gpuLogits);
        cpu.Forward(batch, cpuLogits);
        var diff = RunnerDriver.MaxAbsDiff(cpuLogits, gpuLogits);
        output.WriteLine($"mixed batch: max |Δlogit| GPU vs CPU = {diff:E2}");
        Assert.True(diff < Tolerance, $"max abs diff {diff}");

        // Step 3: a decode past 256 keys (its key range split) and a short one lead a chunk that extends sequence 1.
        batch.Clear(16);
        batch.AddSequence([11], 300, tables[2]);
        batch.AddSequence([4], 41, tables[0]);
        batch.AddSequence(Tokens(random, 20), 6, tables[1]);
        gpu.Forward(batch, gpuLogits.AsSpan(0, 3 * 1024));
        cpu.Forward(batch, cpuLogits.AsSpan(0, 3 * 1024));
        var splitDiff = RunnerDriver.MaxAbsDiff(cpuLogits.AsSpan(0, 3 * 1024), gpuLogits.AsSpan(0, 3 * 1024));
        output.WriteLine($"mixed batch with a split decode: max |Δlogit| GPU vs CPU = {splitDiff:E2}");
        Assert.True(splitDiff < Tolerance, $"max abs diff {splitDiff}");

        // Steps 4 and 5: pure decodes of four sequences, then of one (few rows: RMSNorms inside the GEMVs).
        batch.Clear(16);
        batch.AddSequence([12], 301, tables[2]);
        batch.AddSequence([5], 42, tables[0]);
        batch.AddSequence([6], 26, tables[1]);
        batch.AddSequence([7], 18, tables[3]);
        gpu.Forward(batch, gpuLogits);
        cpu.Forward(batch, cpuLogits);
        var decodeDiff = RunnerDriver.MaxAbsDiff(cpuLogits, gpuLogits);
        batch.Clear(16);
        batch.AddSequence([8], 19, tables[3]);
        gpu.Forward(batch, gpuLogits.AsSpan(0, 1024));
        cpu.Forward(batch, cpuLogits.AsSpan(0, 1024));
        var singleDiff = RunnerDriver.MaxAbsDiff(cpuLogits.AsSpan(0, 1024), gpuLogits.AsSpan(0, 1024));
        output.WriteLine($"decodes with norms in the GEMVs: max |Δlogit| GPU vs CPU = {decodeDiff:E2} (4 sequences), {singleDiff:E2} (1)");
        Assert.True(decodeDiff < Tolerance, $"max abs diff {decodeDiff}");
        Assert.True(singleDiff < Tolerance, $"max abs diff {singleDiff}");
    }

    [GpuFact]
    public void CopyBlocks_CopiedPrefix_GivesSameLogitsFromNewBlocks()
    {
        using var model = ModelFolder.Open(Path.Combine(TestData.Root, "tiny-llama3"));
        using var runner = new CudaModelRunner(model, new CudaRunnerOptions { NumKvBlocks = 16, MaxBatchTokens = 64, MaxSequences = 2 });
        var prompt = Tokens(new Random(3), 32);
        var batch = new ForwardBatch(64, 2, 4);
        var first = new float[1024];
        var second = new float[1024];
        batch.Clear(16);
        batch.AddSequence(prompt, 0, [0, 1, 2]);
        runner.Forward(batch, first);
        batch.Clear(16);
        batch.AddSequence([5], 32, [0, 1, 2]);
        runner.Forward(batch, first);

        runner.CopyBlocks([(0, 7), (1, 9)]);
        batch.Clear(16);
        batch.AddSequence([5], 32, [7, 9, 2]);
        runner.Forward(batch, second);
        // Same inputs through copied blocks; only a GEMM's reduction order could differ.
        Assert.True(RunnerDriver.MaxAbsDiff(first, second) < 1e-3f);
    }

    [GpuFact]
    public void Constructor_DefaultOptions_SizesKvCacheFromFreeMemory()
    {
        using var model = ModelFolder.Open(Path.Combine(TestData.Root, "tiny-qwen3"));
        using var runner = new CudaModelRunner(model, new CudaRunnerOptions { GpuMemoryUtilization = 0.05, MaxBatchTokens = 256, MaxSequences = 4 });
        var (_, total) = runner.Device.MemoryInfo();
        output.WriteLine($"{runner.Device.Name}: {runner.NumKvBlocks} blocks, KV {runner.KvCacheBytes >> 20} MiB of {total >> 20} MiB");
        Assert.True(runner.NumKvBlocks > 1000);
        Assert.True(runner.KvCacheBytes < total * 0.05);
        Assert.Equal(model.Config.MaxPositionEmbeddings, runner.MaxContextLength);
    }

    private static (int[] Prompt, float[] Logits, int[] Greedy) Reference(string fixture, int caseIndex)
    {
        using var reference = SafetensorsArchive.Open(Path.Combine(TestData.Root, fixture, "reference.safetensors"));
        return (Ints(reference.Get($"case{caseIndex}.input_ids").ToInt64Array()),
            reference.Get($"case{caseIndex}.logits").ToFloatArray(),
            Ints(reference.Get($"case{caseIndex}.greedy").ToInt64Array()));
    }

    private static float TopTwoMargin(ReadOnlySpan<float> row)
    {
        float best = float.NegativeInfinity, second = float.NegativeInfinity;
        foreach (var v in row)
        {
            if (v > best)
            {
                second = best;
                best = v;
            }
            else if (v > second)
                second = v;
        }
        return best - second;
    }

    private static int[] Tokens(Random random, int count) => [.. Enumerable.Range(0, count).Select(_ => random.Next(1024))];

    private static int[] Ints(long[] values) => Array.ConvertAll(values, v => checked((int)v));
}
