using System.Diagnostics;
using System.Numerics.Tensors;
using DynamoOrleans.Engine.Backends.Cpu;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Runtime;

namespace DynamoOrleans.Engine.Bench;

/// <summary>
/// One CpuModelRunner step on a fixed synthetic Llama shape (hidden 1024, 8 layers, 16/8 heads,
/// intermediate 2816, vocab 32000, bf16): a single-token decode, a batch of 8 decodes, and a 128-token
/// prefill. Baseline: the machine's multi-core read bandwidth, which bounds decode (every weight byte is
/// read once per step), and the FMA peak, which bounds prefill.
/// </summary>
public sealed class CpuForwardBenchmark : IBenchmark
{
    private const int Vocab = 32000, Hidden = 1024, Intermediate = 2816, Layers = 8, Heads = 16, KvHeads = 8;

    public string Name => "cpu-forward";

    public string Description => "CpuModelRunner decode and 128-token prefill step time on a synthetic 1024x8 model";

    public Task RunAsync(string[] args, TextWriter output)
    {
        var dir = SyntheticWeights.TempDirectory("forward");
        try
        {
            SyntheticWeights.WriteLlama(dir, Vocab, Hidden, Intermediate, Layers, Heads, KvHeads, DType.BF16);
            using var model = ModelFolder.Open(dir);
            using var runner = new CpuModelRunner(model, new KvCacheOptions { NumBlocks = 300 }, maxBatchTokens: 256, maxSequences: 16);
            var weightBytes = model.Weights.Names.Sum(n => model.Weights.Get(n).ByteLength);
            var cores = Environment.ProcessorCount;
            var bandwidth = ReadBandwidth();
            // Every non-embedding weight is one multiply-add per token; the tied LM head runs for the last token only.
            var embeddingParams = (double)Vocab * Hidden;
            var prefillFlops = 2.0 * ((weightBytes / 2 - embeddingParams) * 128 + embeddingParams);

            output.WriteLine($"# model: vocab {Vocab}, hidden {Hidden}, {Layers} layers, heads {Heads}/{KvHeads}, intermediate {Intermediate}, bf16 weights {weightBytes / 1e6:F0} MB (tied embeddings)");
            output.WriteLine($"# read bandwidth (all cores, TensorPrimitives.Sum over {Environment.ProcessorCount * 64} MB): {bandwidth / 1e9:F1} GB/s; peak {CpuPeak.Describe(cores)}");
            output.WriteLine("# cpu ms: CPU time the process got per step (all threads); on a shared machine wall time is inflated by others' load, CPU time much less");
            output.WriteLine("| step | wall ms | cpu ms | tokens/s | wall vs bound |");
            output.WriteLine("| --- | --- | --- | --- | --- |");

            var batch = new ForwardBatch(256, 16, 129);
            var logits = new float[16 * Vocab];
            var prompt = Enumerable.Range(0, 128).Select(i => (i * 7919) % Vocab).ToArray();

            var (prefill, prefillCpu) = Time(() =>
            {
                batch.Clear(runner.BlockSize);
                batch.AddSequence(prompt, 0, Table(0));
                runner.Forward(batch, logits);
            });
            var prefillBound = prefillFlops / (CpuPeak.GFlops(cores) * 1e9);
            output.WriteLine($"| prefill 128 tokens | {prefill * 1e3:F1} | {prefillCpu * 1e3:F1} | {128 / prefill:F0} | {100 * prefillBound / prefill:F0}% of FMA peak ({prefillBound * 1e3:F1} ms); per core-second {100 * prefillFlops / prefillCpu / (CpuPeak.GFlops(1) * 1e9):F0}% of 1-core peak |");

            // Fill the cache of 8 sequences with the 128-token prompt, then time decodes at position 128.
            for (var s = 0; s < 8; s++)
            {
                batch.Clear(runner.BlockSize);
                batch.AddSequence(prompt, 0, Table(s));
                runner.Forward(batch, logits);
            }
            var decodeBound = weightBytes / bandwidth;
            foreach (var sequences in new[] { 1, 8 })
            {
                var (decode, decodeCpu) = Time(() =>
                {
                    batch.Clear(runner.BlockSize);
                    for (var s = 0; s < sequences; s++)
                        batch.AddSequence([42], 128, Table(s));
                    runner.Forward(batch, logits);
                });
                output.WriteLine($"| decode ×{sequences} (context 129) | {decode * 1e3:F2} | {decodeCpu * 1e3:F2} | {sequences / decode:F0} | {100 * decodeBound / decode:F0}% of bandwidth bound ({decodeBound * 1e3:F2} ms) |");
            }

            // A long context: attention now reads 2048 cached positions per layer on top of the weights.
            var longPrompt = Enumerable.Range(0, 2048).Select(i => (i * 104729) % Vocab).ToArray();
            var longTable = Enumerable.Range(128, 129).ToArray();
            for (var start = 0; start < longPrompt.Length; start += 256)
            {
                batch.Clear(runner.BlockSize);
                batch.AddSequence(longPrompt.AsSpan(start, 256), start, longTable);
                runner.Forward(batch, logits);
            }
            var (longDecode, longDecodeCpu) = Time(() =>
            {
                batch.Clear(runner.BlockSize);
                batch.AddSequence([42], 2048, longTable);
                runner.Forward(batch, logits);
            });
            output.WriteLine($"| decode ×1 (context 2049) | {longDecode * 1e3:F2} | {longDecodeCpu * 1e3:F2} | {1 / longDecode:F0} | {100 * decodeBound / longDecode:F0}% of weight-bandwidth bound |");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        return Task.CompletedTask;
    }

    private static int[] Table(int sequence) => Enumerable.Range(sequence * 16, 16).ToArray();

    private static (double Wall, double Cpu) Time(Action step)
    {
        step();
        var iterations = 0;
        var cpu = CpuTime.Now();
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < 2.0 || iterations < 3)
        {
            step();
            iterations++;
        }
        return (sw.Elapsed.TotalSeconds / iterations, (CpuTime.Now() - cpu) / iterations);
    }

    private static double ReadBandwidth()
    {
        const int perCore = 1 << 24;
        var cores = Environment.ProcessorCount;
        var data = new float[cores * 8][];
        for (var i = 0; i < data.Length; i++)
            data[i] = Enumerable.Repeat(1f, perCore / 8).ToArray();
        var best = double.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            var sw = Stopwatch.StartNew();
            Parallel.For(0, data.Length, i => TensorPrimitives.Sum(data[i]));
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return (double)data.Length * (perCore / 8) * sizeof(float) / best;
    }
}
