using System.Diagnostics;
using System.Globalization;
using DynamoOrleans.Engine.Backends.Cuda;
using DynamoOrleans.Engine.Backends.Cuda.Model;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Runtime;

namespace DynamoOrleans.Engine.Bench.Cuda;

/// <summary>
/// Prefill and decode timings of <see cref="CudaModelRunner"/> on a model folder (on the GPU machine, the
/// random-weight Qwen3-0.6B that bench/gpu/transformers_baseline.py makes), plus its agreement with the
/// folder's reference logits. Decode steps pick tokens on the device (ForwardGreedy), as the transformers
/// baseline does; "with logits" rows add the copy of every fp32 logit row to the host that Forward makes.
/// </summary>
public sealed class CudaRunnerBenchmark : IBenchmark
{
    public string Name => "cuda-runner";

    public string Description => "CUDA runner prefill/decode timings and reference agreement: --model DIR [--reference FILE] [--prefill 128,512,2048] " +
        "[--decode 1,8,32,64,128] [--context 512] [--steps 32] [--bandwidth TBPS --gemm-peak TFLOPS (from cuda-peaks: adds roofline shares)] [--cuda-core-prefill] [--cublas-decode] [--paged-decode] [--no-pdl] [--unfused-norms] [--rope-apart] [--late-trigger] [--whole-gemv-rows] [--narrow-decode-attention] [--no-kv-preload] (the slower paths, to compare) [--combine-in-kernel] (not yet a default) [--stage-profile 1,16] (each stage's cost in place: the step timed without it) [--out FILE]";

    /// <summary>The flags that switch a path away from the default, and how the report's first line says so.</summary>
    private static readonly (string Flag, string Says)[] SwitchedPaths =
    [
        ("--cuda-core-prefill", "prefill attention on CUDA cores"),
        ("--cublas-decode", "decode GEMMs on cuBLASLt"),
        ("--paged-decode", "decode attention on the paged kernel"),
        ("--no-pdl", "no programmatic launch"),
        ("--unfused-norms", "RMSNorm kernels apart from the decode GEMVs"),
        ("--rope-apart", "RoPE kernel apart from decode attention"),
        ("--late-trigger", "dependents launch after the wait"),
        ("--combine-in-kernel", "decode splits merged in the attention kernel"),
        ("--whole-gemv-rows", "each GEMV row group on one warp"),
        ("--narrow-decode-attention", "small decode attention grids on the 4-warp kernel"),
        ("--no-kv-preload", "decode attention's first keys only prefetched before its wait"),
    ];

    public Task RunAsync(string[] args, TextWriter output)
    {
        var model = Arg(args, "--model") ?? throw new ArgumentException("--model DIR is required");
        var reference = Arg(args, "--reference");
        var prefills = Ints(Arg(args, "--prefill") ?? "128,512,2048");
        var decodes = Ints(Arg(args, "--decode") ?? "1,8,32,64,128");
        var context = int.Parse(Arg(args, "--context") ?? "512", CultureInfo.InvariantCulture);
        var steps = int.Parse(Arg(args, "--steps") ?? "32", CultureInfo.InvariantCulture);
        var bandwidth = Arg(args, "--bandwidth") is { } b ? double.Parse(b, CultureInfo.InvariantCulture) : (double?)null;
        var gemmPeak = Arg(args, "--gemm-peak") is { } g ? double.Parse(g, CultureInfo.InvariantCulture) : (double?)null;

        var lines = new List<string>();
        var load = Stopwatch.StartNew();
        using var folder = ModelFolder.Open(model);
        using var runner = new CudaModelRunner(folder, new CudaRunnerOptions
        {
            MaxBatchTokens = Math.Max(2048, prefills.Max()),
            MaxSequences = Math.Max(256, decodes.Max()),
            GpuMemoryUtilization = 0.85,
            TensorCorePrefill = !args.Contains("--cuda-core-prefill"),
            DecodeGemv = !args.Contains("--cublas-decode"),
            ProgrammaticLaunch = !args.Contains("--no-pdl"),
            FuseDecodeNorms = !args.Contains("--unfused-norms"),
            RopeInDecodeAttention = !args.Contains("--rope-apart"),
            DecodeAttention = !args.Contains("--paged-decode"),
            EarlyDependentLaunch = !args.Contains("--late-trigger"),
            CombineSplitsInKernel = args.Contains("--combine-in-kernel"),
            SplitGemvRows = !args.Contains("--whole-gemv-rows"),
            WideDecodeAttention = !args.Contains("--narrow-decode-attention"),
            PreloadDecodeKv = !args.Contains("--no-kv-preload"),
        });
        load.Stop();
        var device = runner.Device;
        var switched = string.Concat(SwitchedPaths.Where(p => args.Contains(p.Flag)).Select(p => ", " + p.Says));
        lines.Add($"# CUDA runner on {device.Name}{switched} ({device.Architecture}, {device.MultiprocessorCount} SMs, driver {CudaDevice.DriverVersion()})");
        lines.Add($"model {Path.GetFileName(Path.TrimEndingDirectorySeparator(model))}: {runner.WeightBytes / 1e9:F2} GB bf16 weights, " +
                  $"{runner.NumKvBlocks:N0} KV blocks ({runner.KvCacheBytes / 1e9:F1} GB), loaded in {load.Elapsed.TotalSeconds:F1} s (NVRTC/CUBIN cache included)");
        var roofline = bandwidth is { } tbps && gemmPeak is { } tflops ? Roofline.For(folder.Config, runner.WeightBytes, tbps, tflops) : null;
        if (roofline is not null)
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"roofline: {roofline.StreamedWeightBytes / 1e9:F2} GB streamed per decode step, {roofline.KvBytesPerToken:N0} KV bytes per token, measured {roofline.BandwidthTbps:F2} TB/s and {roofline.GemmTflops:F0} TFLOP/s"));
        if (reference is not null && File.Exists(reference))
            lines.AddRange(Agreement(runner, reference));

        lines.Add("");
        lines.Add("| phase | batch | tokens/context | ms per step | tokens/s | note |");
        lines.Add("| --- | --- | --- | --- | --- | --- |");
        var allocator = new BlockAllocator(runner.NumKvBlocks, runner.BlockSize);
        foreach (var length in prefills)
            lines.Add(Prefill(runner, allocator, length, roofline));
        foreach (var batch in decodes)
            lines.AddRange(Decode(runner, allocator, batch, context, steps, roofline));
        lines.Add($"graphs captured: {runner.NumCapturedGraphs}");
        if (Arg(args, "--stage-profile") is { } profiled)
            foreach (var batch in Ints(profiled))
                lines.AddRange(StageProfile(runner, allocator, folder.Config, batch, context, steps, roofline));

        foreach (var line in lines)
            output.WriteLine(line);
        if (Arg(args, "--out") is { } outPath)
            File.WriteAllLines(outPath, lines);
        return Task.CompletedTask;
    }

    private static IEnumerable<string> Agreement(CudaModelRunner runner, string referencePath)
    {
        using var reference = SafetensorsArchive.Open(referencePath);
        var vocab = runner.VocabSize;
        for (var c = 0; reference.Contains($"case{c}.input_ids"); c++)
        {
            var prompt = Array.ConvertAll(reference.Get($"case{c}.input_ids").ToInt64Array(), v => (int)v);
            var expected = reference.Get($"case{c}.logits").ToFloatArray();
            var greedy = Array.ConvertAll(reference.Get($"case{c}.greedy").ToInt64Array(), v => (int)v);
            var table = Enumerable.Range(0, ForwardBatch.BlocksFor(prompt.Length + greedy.Length, runner.BlockSize)).ToArray();
            var batch = new ForwardBatch(prompt.Length, 1, table.Length);
            batch.Clear(runner.BlockSize);
            batch.ComputeAllLogits = true;
            batch.AddSequence(prompt, 0, table);
            var logits = new float[prompt.Length * vocab];
            runner.Forward(batch, logits);
            float maxDiff = 0, maxRef = 0;
            for (var i = 0; i < logits.Length; i++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs(logits[i] - expected[i]));
                maxRef = Math.Max(maxRef, Math.Abs(expected[i]));
            }
            var tokens = new int[1];
            var matched = 0;
            var next = greedy[0] == ArgMax(logits.AsSpan((prompt.Length - 1) * vocab, vocab)) ? greedy[0] : -1;
            for (var i = 0; i < greedy.Length && next == greedy[i]; i++)
            {
                matched++;
                if (i + 1 == greedy.Length)
                    break;
                batch.Clear(runner.BlockSize);
                batch.AddSequence([next], prompt.Length + i, table);
                runner.ForwardGreedy(batch, tokens);
                next = tokens[0];
            }
            // A bf16 path may part from the fp32 reference where the reference itself nearly ties.
            var tie = "";
            if (matched < greedy.Length && reference.Contains($"case{c}.greedy_margin"))
                tie = $", then a step where the reference's top-2 margin is {reference.Get($"case{c}.greedy_margin").ToFloatArray()[matched]:F4}";
            yield return $"reference case{c} (L={prompt.Length}): max |Δlogit| {maxDiff:F4} (max |logit| {maxRef:F2}); greedy tokens equal for {matched}/{greedy.Length}{tie}";
        }
    }

    private static string Prefill(CudaModelRunner runner, BlockAllocator allocator, int length, Roofline? roofline)
    {
        var random = new Random(length);
        var prompt = Enumerable.Range(0, length).Select(_ => random.Next(runner.VocabSize)).ToArray();
        var table = allocator.Take(length);
        var batch = new ForwardBatch(length, 1, table.Length);
        var tokens = new int[1];
        var samples = new List<double>();
        for (var i = 0; i < 12; i++)
        {
            batch.Clear(runner.BlockSize);
            batch.AddSequence(prompt, 0, table);
            var watch = Stopwatch.StartNew();
            runner.ForwardGreedy(batch, tokens);
            if (i >= 2)
                samples.Add(watch.Elapsed.TotalMilliseconds);
        }
        allocator.Reset();
        var ms = Median(samples);
        return $"| prefill | 1 | {length} | {ms:F2} | {length / ms * 1000:N0} | {roofline?.PrefillShare(length, ms)} |";
    }

    private static IEnumerable<string> Decode(CudaModelRunner runner, BlockAllocator allocator, int sequences, int context, int steps, Roofline? roofline)
    {
        var (greedy, withLogits) = DecodeTimes(runner, allocator, sequences, context, steps, withLogits: true);
        // The context grows by one a step over the timed steps; the middle one stands for them.
        var share = roofline is null ? "" : "; " + roofline.DecodeShare(sequences, context + steps / 2, greedy);
        yield return $"| decode | {sequences} | {context} | {greedy:F3} | {sequences / greedy * 1000:N0} | greedy on device{share} |";
        yield return $"| decode | {sequences} | {context} | {withLogits:F3} | {sequences / withLogits * 1000:N0} | with logits to host |";
    }

    /// <summary>
    /// Where a decode step's time goes, stage by stage, as the runner runs it: the step is timed without each stage's
    /// kernels, and what it saves is that stage's cost in place, beside its neighbours under programmatic launch and
    /// graphs (a kernel timed alone pays its own launch ramp and drain). Leaving a stage out rather than launching it
    /// twice keeps the L2 honest: a second launch would find the first one's operands there (Qwen3-0.6B's
    /// projections are 4–13 MB against 50 MB). A stage the step does not launch (the norms where they are folded
    /// into the GEMVs) saves ~0: the noise.
    /// </summary>
    private static IEnumerable<string> StageProfile(CudaModelRunner runner, BlockAllocator allocator, ModelConfig c, int sequences, int context, int steps, Roofline? roofline)
    {
        var baseline = DecodeTimes(runner, allocator, sequences, context, steps, withLogits: false).Greedy;
        long layers = c.NumLayers, hidden = c.HiddenSize, inter = c.IntermediateSize, q = c.NumAttentionHeads * c.HeadDim, kv = c.NumKeyValueHeads * c.HeadDim;
        var kvBytes = 2L * sequences * (context + steps / 2) * layers * 2 * kv;
        (DecodeStage Stage, int Launches, long Bytes)[] stages =
        [
            (DecodeStage.QkvProjection, c.NumLayers, 2 * layers * (q + 2 * kv) * hidden),
            (DecodeStage.QkNormRope, c.NumLayers, 0),
            (DecodeStage.Attention, c.NumLayers, kvBytes),
            (DecodeStage.OProjection, c.NumLayers, 2 * layers * hidden * q),
            (DecodeStage.GateUpProjection, c.NumLayers, 2 * layers * 2 * inter * hidden),
            (DecodeStage.DownProjection, c.NumLayers, 2 * layers * hidden * inter),
            (DecodeStage.Norms, 2 * c.NumLayers, 0),
            (DecodeStage.LmHead, 1, 2L * c.VocabSize * hidden),
        ];
        var floor = roofline is null ? "" : string.Create(CultureInfo.InvariantCulture, $"; bandwidth floor {roofline.DecodeFloorMs(sequences, context + steps / 2):F3} ms");
        yield return "";
        yield return string.Create(CultureInfo.InvariantCulture, $"stage profile, decode of {sequences} at context {context}: the step takes {baseline:F3} ms{floor}; each row times it without that stage's kernels");
        yield return "";
        yield return "| stage | launches a step | ms a step (saved without it) | share of the step | µs a launch | MB a step | TB/s in place |";
        yield return "| --- | --- | --- | --- | --- | --- | --- |";
        var accounted = 0.0;
        foreach (var (stage, launches, bytes) in stages)
        {
            runner.ProfileWithoutStage(stage);
            var without = DecodeTimes(runner, allocator, sequences, context, steps, withLogits: false).Greedy;
            var saved = Math.Max(0, baseline - without);
            accounted += saved;
            var rate = bytes > 0 && saved > 0 ? (bytes / (saved * 1e-3) / 1e12).ToString("F2", CultureInfo.InvariantCulture) : "—";
            var megabytes = bytes > 0 ? (bytes / 1e6).ToString("N0", CultureInfo.InvariantCulture) : "—";
            yield return string.Create(CultureInfo.InvariantCulture,
                $"| {stage} | {launches} | {saved:F3} | {saved / baseline:P0} | {saved * 1000 / launches:F1} | {megabytes} | {rate} |");
        }
        runner.ProfileWithoutStage(DecodeStage.None);
        yield return string.Create(CultureInfo.InvariantCulture,
            $"| the rest (embedding, final norm, sampling, host) | | {Math.Max(0, baseline - accounted):F3} | {Math.Max(0, baseline - accounted) / baseline:P0} | | | |");
    }

    /// <summary>Median ms of a decode step of <paramref name="sequences"/> at <paramref name="context"/>, greedy on the device and (if asked) with logits to the host.</summary>
    private static (double Greedy, double WithLogits) DecodeTimes(CudaModelRunner runner, BlockAllocator allocator, int sequences, int context, int steps, bool withLogits)
    {
        var random = new Random(sequences);
        var tables = new int[sequences][];
        var maxBlocks = ForwardBatch.BlocksFor(context + 2 * steps + 8, runner.BlockSize);
        for (var s = 0; s < sequences; s++)
            tables[s] = allocator.Take(maxBlocks * runner.BlockSize);
        var perBatch = Math.Max(1, runner.MaxBatchTokens / context);
        var batch = new ForwardBatch(Math.Max(runner.MaxBatchTokens, sequences), sequences, maxBlocks);
        var tokens = new int[sequences];
        for (var start = 0; start < sequences; start += perBatch)
        {
            batch.Clear(runner.BlockSize);
            for (var s = start; s < Math.Min(sequences, start + perBatch); s++)
                batch.AddSequence(Enumerable.Range(0, context).Select(_ => random.Next(runner.VocabSize)).ToArray(), 0, tables[s]);
            runner.ForwardGreedy(batch, tokens.AsSpan(start));
        }

        var position = context;
        var greedy = TimeSteps(runner, batch, tables, tokens, ref position, steps, logits: null);
        var hostLogits = double.NaN;
        if (withLogits)
            hostLogits = TimeSteps(runner, batch, tables, tokens, ref position, Math.Min(steps, 16), new float[sequences * runner.VocabSize]);
        allocator.Reset();
        return (greedy, hostLogits);
    }

    private static double TimeSteps(CudaModelRunner runner, ForwardBatch batch, int[][] tables, int[] tokens, ref int position, int steps, float[]? logits)
    {
        var samples = new List<double>();
        for (var i = 0; i < steps + 3; i++, position++)
        {
            batch.Clear(runner.BlockSize);
            for (var s = 0; s < tables.Length; s++)
                batch.AddSequence([tokens[s]], position, tables[s]);
            var watch = Stopwatch.StartNew();
            if (logits is null)
                runner.ForwardGreedy(batch, tokens);
            else
                runner.Forward(batch, logits);
            if (i >= 3)
                samples.Add(watch.Elapsed.TotalMilliseconds);
        }
        return Median(samples);
    }

    private static double Median(List<double> samples)
    {
        samples.Sort();
        return samples[samples.Count / 2];
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var i = 1; i < row.Length; i++)
            if (row[i] > row[best])
                best = i;
        return best;
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int[] Ints(string list) => [.. list.Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture))];

    /// <summary>Hands out consecutive KV blocks for the benchmark's sequences; Reset frees them all.</summary>
    private sealed class BlockAllocator(int numBlocks, int blockSize)
    {
        private int _next;

        public int[] Take(int tokens)
        {
            var count = ForwardBatch.BlocksFor(tokens, blockSize);
            if (_next + count > numBlocks)
                throw new InvalidOperationException($"benchmark needs more than {numBlocks} KV blocks");
            var table = Enumerable.Range(_next, count).ToArray();
            _next += count;
            return table;
        }

        public void Reset() => _next = 0;
    }
}
