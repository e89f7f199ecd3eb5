using System.Diagnostics;
using System.Globalization;
using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Engine.Bench.Cuda;

/// <summary>
/// Serving-engine throughput on the CUDA backend, without HTTP: B requests of random prompts submitted at
/// once to <see cref="LlmEngine"/>, run to completion. Greedy steps take the argmax on the GPU, sampled ones
/// (temperature 0.8) the GPU sampler; asking for logprobs sends every logit row to the host sampler instead,
/// which the third row of each batch shows. Every run has fresh prompts (no prefix-cache hits) and follows a
/// short warm-up at the same batch size (graph capture, cuBLASLt plan tuning).
/// </summary>
public sealed class CudaEngineBenchmark : IBenchmark
{
    public string Name => "cuda-engine";

    public string Description => "CUDA engine output tok/s through LlmEngine: --model DIR [--batch 1,64] [--prompt 128] [--tokens 256] [--out FILE]";

    public Task RunAsync(string[] args, TextWriter output)
    {
        var model = Arg(args, "--model") ?? throw new ArgumentException("--model DIR is required");
        var batches = (Arg(args, "--batch") ?? "1,64").Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var promptLength = int.Parse(Arg(args, "--prompt") ?? "128", CultureInfo.InvariantCulture);
        var tokens = int.Parse(Arg(args, "--tokens") ?? "256", CultureInfo.InvariantCulture);

        var lines = new List<string>();
        var load = Stopwatch.StartNew();
        using var engine = CudaEngine.Create(model, new EngineOptions { MaxSequences = Math.Max(64, batches.Max()), MaxBatchTokens = 2048 },
            new CudaOptions { GpuMemoryUtilization = 0.85 });
        load.Stop();
        lines.Add($"# CUDA engine on {Path.GetFileName(Path.TrimEndingDirectorySeparator(model))}: {engine.Blocks.NumBlocks:N0} KV blocks, loaded in {load.Elapsed.TotalSeconds:F1} s");
        lines.Add($"# workload: B requests of {promptLength} random prompt tokens, {tokens} output tokens each (ignore_eos), submitted at once");
        lines.Add("| batch | sampling | wall s | output tok/s | steps | ms per step |");
        lines.Add("| --- | --- | --- | --- | --- | --- |");
        foreach (var batch in batches)
        {
            var modes = new (string Name, SamplingParams Sampling)[]
            {
                ("greedy (argmax on GPU)", new SamplingParams { Temperature = 0 }),
                ("temperature 0.8 (GPU sampler)", new SamplingParams { Temperature = 0.8f }),
                ("temperature 0.8 + logprobs (host sampler)", new SamplingParams { Temperature = 0.8f, Logprobs = 1 }),
            };
            foreach (var (name, sampling) in modes)
            {
                Run(engine, batch, promptLength, 8, sampling, salt: 1);
                var steps = engine.NumSteps;
                var watch = Stopwatch.StartNew();
                var generated = Run(engine, batch, promptLength, tokens, sampling, salt: 2);
                watch.Stop();
                steps = engine.NumSteps - steps;
                var s = watch.Elapsed.TotalSeconds;
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {batch} | {name} | {s:F2} | {generated / s:N0} | {steps} | {s * 1000 / steps:F2} |"));
                Console.WriteLine(lines[^1]);
            }
        }

        foreach (var line in lines)
            output.WriteLine(line);
        if (Arg(args, "--out") is { } outPath)
            File.WriteAllLines(outPath, lines);
        return Task.CompletedTask;
    }

    private static long Run(LlmEngine engine, int batch, int promptLength, int tokens, SamplingParams sampling, int salt)
    {
        // Fresh random prompts per run, so no run is served from the prefix cache of an earlier one.
        var random = new Random(unchecked((int)engine.NumSteps * 31 + batch * 7 + salt));
        var requests = Enumerable.Range(0, batch).Select(i => new GenerateRequest($"r{i}",
            Enumerable.Range(0, promptLength).Select(_ => random.Next(engine.Model.VocabSize)).ToArray(),
            sampling with { MaxTokens = tokens, IgnoreEos = true, Seed = i })).ToList();
        return engine.Generate(requests).Sum(o => (long)o.Length);
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
