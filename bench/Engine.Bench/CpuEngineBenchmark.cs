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
            var corePeak = theoretical / Environment.ProcessorCount;
            await output.WriteLineAsync("# per core-second: over the CPU time the process got (Environment.CpuUsage), the figure to compare on a shared machine");
            await output.WriteLineAsync("| batch | prefill tok/s | prefill tok per core-s | prefill GFLOP per core-s | prefill % of 1-core peak | decode tok/s | decode tok per core-s | decode GFLOP per core-s | decode % of 1-core peak |");
            await output.WriteLineAsync("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            foreach (var batch in batchSizes)
            {
                var (prefill, decode) = Measure(folder, shape, batch);
                string Share(Phase phase) => corePeak is { } peak ? $"{100 * phase.GflopsPerCoreSecond / peak:F1}%" : "unknown";
                await output.WriteLineAsync(
                    $"| {batch} | {prefill.TokensPerSecond:F0} | {prefill.TokensPerCoreSecond:F0} | {prefill.GflopsPerCoreSecond:F1} | {Share(prefill)} | {decode.TokensPerSecond:F1} | {decode.TokensPerCoreSecond:F1} | {decode.GflopsPerCoreSecond:F1} | {Share(decode)} |");
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
        // Tier-up needs about 30 calls per method, and every layer method runs once per layer per step.
        for (var round = 0; round < 5; round++)
            engine.Generate([.. Enumerable.Range(0, batch).Select(i => new GenerateRequest($"warm{round}.{i}", Prompt(random, shape.Vocab, PromptLength), sampling with { MaxTokens = 4 }))]);
        engine.Blocks.ResetPrefixCache();

        for (var i = 0; i < batch; i++)
            engine.AddRequest(new GenerateRequest($"r{i}", Prompt(random, shape.Vocab, PromptLength), sampling));
        var prefill = new Phase();
        var decode = new Phase();
        var watch = new Stopwatch();
        while (engine.HasWork)
        {
            var computedBefore = engine.NumComputedTokens;
            var generatedBefore = engine.NumGeneratedTokens;
            var numSequences = engine.Scheduler.NumRunning + engine.Scheduler.NumWaiting;
            var cpuBefore = Environment.CpuUsage.TotalTime;
            watch.Restart();
            engine.Step();
            var seconds = watch.Elapsed.TotalSeconds;
            var cpuSeconds = (Environment.CpuUsage.TotalTime - cpuBefore).TotalSeconds;
            var computed = engine.NumComputedTokens - computedBefore;
            var generated = engine.NumGeneratedTokens - generatedBefore;
            // Linear layers see every computed token; the head sees one row per sequence in the batch.
            var flops = 2.0 * shape.NumLayerLinearParams * computed + 2.0 * shape.NumHeadParams * Math.Min(numSequences, options.MaxSequences);
            (computed == generated ? decode : prefill).Add(computed, flops, seconds, cpuSeconds);
        }
        return new Result(prefill, decode);
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

    private readonly record struct Result(Phase Prefill, Phase Decode);

    /// <summary>One phase's totals; per core-second figures divide by the CPU time the process got, which a busy shared machine does not inflate.</summary>
    private sealed class Phase
    {
        public long Tokens { get; private set; }

        public double Flops { get; private set; }

        public double Seconds { get; private set; }

        public double CpuSeconds { get; private set; }

        public double TokensPerSecond => Tokens / Seconds;

        public double TokensPerCoreSecond => Tokens / CpuSeconds;

        public double GflopsPerCoreSecond => Flops / CpuSeconds / 1e9;

        public void Add(long tokens, double flops, double seconds, double cpuSeconds)
        {
            Tokens += tokens;
            Flops += flops;
            Seconds += seconds;
            CpuSeconds += cpuSeconds;
        }
    }
}
