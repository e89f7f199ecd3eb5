using System.Diagnostics;
using System.Globalization;
using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Engine.Bench;

/// <summary>
/// Offline throughput through <see cref="LlmEngine"/> on either backend, for the workloads our CUDA targets
/// are stated in: <c>nano-vllm</c> (nano-vllm's bench.py: 256 sequences, prompt and output lengths drawn
/// uniformly from [100, 1024], token ids below 10,000, temperature 0.6, ignore_eos), <c>fixed</c> (B requests
/// of P prompt and T output tokens, greedy: decode tok/s at a batch) and <c>offline</c> (vLLM's throughput
/// benchmark shape: N requests of 1,024 in and 2,048 out). Every request is submitted at once, as those
/// benchmarks do; a short warm-up at the same batch bound runs first (CUDA graph capture, GEMM tuning).
/// On the CPU it runs the same code at small sizes, which is what the tests use.
/// </summary>
public sealed class EngineWorkloadBenchmark : IBenchmark
{
    public string Name => "engine-workload";

    public string Description =>
        "Offline engine throughput: --model DIR [--device cpu|cuda] [--workload nano-vllm|fixed|offline] [--num-seqs N] " +
        "[--batch 1,16,64,256] [--input P] [--output T] [--min-len 100] [--max-len 1024] [--seed 0] [--cuda-core-prefill] [--cublas-decode] [--paged-decode] [--no-pdl] [--whole-mixed-attention] [--unfused-norms] [--rope-apart] [--late-trigger] (the slower paths, to compare) [--combine-in-kernel] (not yet a default) [--out FILE]";

    public Task RunAsync(string[] args, TextWriter output)
    {
        var settings = WorkloadSettings.Parse(args);
        var lines = new List<string>();
        void Emit(string line)
        {
            lines.Add(line);
            output.WriteLine(line);
        }
        var load = Stopwatch.StartNew();
        using var engine = CreateEngine(settings);
        load.Stop();
        Emit($"# engine-workload '{settings.Workload}' on {settings.Device}{(settings.TensorCorePrefill ? "" : " (CUDA-core prefill)")}{(settings.DecodeGemv ? "" : " (cuBLASLt decode)")}{(settings.DecodeAttention ? "" : " (paged decode attention)")}{(settings.ProgrammaticLaunch ? "" : " (no programmatic launch)")}{(settings.SplitMixedAttention ? "" : " (mixed steps' attention whole)")}{(settings.FuseDecodeNorms ? "" : " (RMSNorm kernels apart)")}{(settings.RopeInDecodeAttention ? "" : " (RoPE kernel apart)")}{(settings.EarlyDependentLaunch ? "" : " (dependents launch after the wait)")}{(settings.CombineSplitsInKernel ? " (decode splits merged in-kernel)" : "")} ({Path.GetFileName(Path.TrimEndingDirectorySeparator(settings.Model))}): " +
                  $"{engine.Blocks.NumBlocks:N0} KV blocks of {engine.Model.BlockSize}, max {settings.MaxSequences} sequences, " +
                  $"{settings.MaxBatchTokens} tokens a step, loaded in {load.Elapsed.TotalSeconds:F1} s");
        Emit($"# {settings.Describe()}");
        // Computed tokens above input + output are recomputation after preemption (prefix-cache hits lower them).
        Emit("| workload | requests | input tokens | output tokens | wall s | output tok/s | total tok/s | steps | ms per step | computed tokens | preemptions |");
        Emit("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var batch in settings.Batches())
        {
            // Warm-up at the same bound on concurrent sequences, with other prompts (no prefix-cache hits later).
            engine.Generate(settings.Requests(engine.Model.VocabSize, Math.Min(batch, settings.MaxSequences), warmUp: true));
            var requests = settings.Requests(engine.Model.VocabSize, batch, warmUp: false);
            var inputTokens = requests.Sum(r => (long)r.PromptTokenIds.Count);
            var steps = engine.NumSteps;
            var computed = engine.NumComputedTokens;
            var preemptions = engine.Scheduler.NumPreemptions;
            var watch = Stopwatch.StartNew();
            var generated = engine.Generate(requests).Sum(o => (long)o.Length);
            watch.Stop();
            steps = engine.NumSteps - steps;
            computed = engine.NumComputedTokens - computed;
            preemptions = engine.Scheduler.NumPreemptions - preemptions;
            var s = watch.Elapsed.TotalSeconds;
            Emit(string.Create(CultureInfo.InvariantCulture,
                $"| {settings.Workload} | {requests.Count} | {inputTokens:N0} | {generated:N0} | {s:F2} | {generated / s:N0} | {(generated + inputTokens) / s:N0} | {steps} | {s * 1000 / Math.Max(1, steps):F2} | {computed:N0} | {preemptions:N0} |"));
        }

        if (settings.OutPath is { } outPath)
            File.WriteAllLines(outPath, lines);
        return Task.CompletedTask;
    }

    private static LlmEngine CreateEngine(WorkloadSettings settings)
    {
        var options = new EngineOptions { MaxSequences = settings.MaxSequences, MaxBatchTokens = settings.MaxBatchTokens, Seed = settings.Seed };
        return settings.Device switch
        {
            "cpu" => CpuEngine.Create(settings.Model, options),
            "cuda" => CudaEngine.Create(settings.Model, options, new CudaOptions { GpuMemoryUtilization = settings.GpuMemoryUtilization, TensorCorePrefill = settings.TensorCorePrefill, DecodeGemv = settings.DecodeGemv, DecodeAttention = settings.DecodeAttention, ProgrammaticLaunch = settings.ProgrammaticLaunch, SplitMixedAttention = settings.SplitMixedAttention, FuseDecodeNorms = settings.FuseDecodeNorms, RopeInDecodeAttention = settings.RopeInDecodeAttention, EarlyDependentLaunch = settings.EarlyDependentLaunch, CombineSplitsInKernel = settings.CombineSplitsInKernel }),
            _ => throw new ArgumentException($"--device must be cpu or cuda, not '{settings.Device}'"),
        };
    }
}
