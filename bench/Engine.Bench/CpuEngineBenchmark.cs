using System.Diagnostics;
using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Engine.Bench;

/// <summary>
/// Serving-engine throughput on the CPU backend over a synthetic Qwen3-shaped model (hidden 512,
/// 8 layers, vocab 32000, bf16): prefill and decode tokens per second at batch 1, 8 and 32, and the
/// matmul GFLOP/s those reach beside the CPU's FMA ceiling measured in the same run.
/// </summary>
public sealed class CpuEngineBenchmark : IBenchmark
{
    private const int PromptLength = 128;
    private const int DecodeTokens = 32;

    public string Name => "cpu-engine";

    public string Description => "CPU engine prefill/decode tok/s at batch 1, 8, 32 on a synthetic Qwen3-like model, vs the FMA peak";

    public async Task RunAsync(string[] args, TextWriter output)
    {
        int[] batchSizes = args.Length > 0 ? [.. args.Select(int.Parse)] : [1, 8, 32];
        var shape = new SyntheticModel();
        var folder = Path.Combine(Path.GetTempPath(), $"dynamo-bench-qwen3-{Environment.ProcessId}");
        try
        {
            shape.Write(folder);
            var theoretical = FmaPeak.TheoreticalGflops();
            var measuredPeak = FmaPeak.MeasureGflops(TimeSpan.FromSeconds(1));
            await output.WriteLineAsync($"# model: Qwen3-like, hidden {shape.Hidden}, {shape.Layers} layers, heads {shape.Heads}/{shape.KvHeads}x{shape.HeadDim}, intermediate {shape.Intermediate}, vocab {shape.Vocab}, bf16 weights");
            await output.WriteLineAsync($"# workload: batch B prompts of {PromptLength} random tokens (no prefix sharing), {DecodeTokens} greedy tokens each, block 16");
            await output.WriteLineAsync($"# load average before the run (other processes share these cores): {LoadAverage()}");
            await output.WriteLineAsync($"# FMA peak fp32: theoretical {Format(theoretical)} GFLOP/s at the /proc/cpuinfo clock ({Environment.ProcessorCount} cores x {FmaPeak.ClockGhz():F2} GHz x 2 ports x {FmaPeak.VectorFloats} lanes x 2; boost clocks run higher), register-only FMA loop {measuredPeak:F0} GFLOP/s");
            await output.WriteLineAsync("batch | prefill tok/s | prefill GFLOP/s | decode tok/s | decode GFLOP/s | decode % of FMA loop");
            await output.WriteLineAsync("----- | ------------- | --------------- | ------------ | -------------- | -------------------");
            foreach (var batch in batchSizes)
            {
                var r = Measure(folder, shape, batch);
                await output.WriteLineAsync(
                    $"{batch,5} | {r.PrefillTokensPerSecond,13:F0} | {r.PrefillGflops,15:F1} | {r.DecodeTokensPerSecond,12:F1} | {r.DecodeGflops,14:F1} | {100 * r.DecodeGflops / measuredPeak,18:F1}%");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Result Measure(string folder, SyntheticModel shape, int batch)
    {
        var options = new EngineOptions { BlockSize = 16, MaxBatchTokens = Math.Max(2048, batch * PromptLength), MaxSequences = Math.Max(batch, 1), Seed = 1 };
        using var engine = CpuEngine.Create(folder, options);
        var random = new Random(batch);
        var sampling = new SamplingParams { Temperature = 0, MaxTokens = DecodeTokens, IgnoreEos = true };

        // Warm-up with the measured shapes: page faults on the mapped weights, and enough calls for the
        // JIT to promote the prefill and decode paths past tier 0 (a single prefill otherwise runs unoptimized).
        for (var round = 0; round < 2; round++)
            engine.Generate([.. Enumerable.Range(0, batch).Select(i => new GenerateRequest($"warm{round}.{i}", Prompt(random, shape.Vocab, PromptLength), sampling with { MaxTokens = 4 }))]);
        engine.Blocks.ResetPrefixCache();

        for (var i = 0; i < batch; i++)
            engine.AddRequest(new GenerateRequest($"r{i}", Prompt(random, shape.Vocab, PromptLength), sampling));
        double prefillSeconds = 0, decodeSeconds = 0, prefillFlops = 0, decodeFlops = 0;
        long prefillTokens = 0, decodeTokens = 0;
        var watch = new Stopwatch();
        while (engine.HasWork)
        {
            var computedBefore = engine.NumComputedTokens;
            var generatedBefore = engine.NumGeneratedTokens;
            var numSequences = engine.Scheduler.NumRunning + engine.Scheduler.NumWaiting;
            watch.Restart();
            engine.Step();
            var seconds = watch.Elapsed.TotalSeconds;
            var computed = engine.NumComputedTokens - computedBefore;
            var generated = engine.NumGeneratedTokens - generatedBefore;
            // Linear layers see every computed token; the head sees one row per sequence in the batch.
            var flops = 2.0 * shape.NumLayerLinearParams * computed + 2.0 * shape.NumHeadParams * Math.Min(numSequences, options.MaxSequences);
            if (computed == generated)
            {
                decodeSeconds += seconds;
                decodeTokens += computed;
                decodeFlops += flops;
            }
            else
            {
                prefillSeconds += seconds;
                prefillTokens += computed;
                prefillFlops += flops;
            }
        }
        return new Result(prefillTokens / prefillSeconds, prefillFlops / prefillSeconds / 1e9, decodeTokens / decodeSeconds, decodeFlops / decodeSeconds / 1e9);
    }

    private static int[] Prompt(Random random, int vocab, int length) =>
        Enumerable.Range(0, length).Select(_ => random.Next(vocab)).ToArray();

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string Format(double? value) => value is { } v ? v.ToString("F0", System.Globalization.CultureInfo.InvariantCulture) : "unknown";

    private readonly record struct Result(double PrefillTokensPerSecond, double PrefillGflops, double DecodeTokensPerSecond, double DecodeGflops);
}
