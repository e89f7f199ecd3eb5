using System.Globalization;
using DynamoOrleans.Engine.Backends.Cuda;
using DynamoOrleans.Engine.Backends.Cuda.Blas;
using DynamoOrleans.Engine.Backends.Cuda.Compilation;
using DynamoOrleans.Engine.Backends.Cuda.Ops;

namespace DynamoOrleans.Engine.Bench.Cuda;

/// <summary>
/// Kernel by kernel, for one model shape: each linear layer of a decode step on our GEMV (and compiled
/// variants of it) against cuBLASLt, paged decode attention over long contexts, and tensor-core prefill
/// attention, as TB/s or TFLOP/s against the peaks measured in the same run. This is the profile the
/// targets' misses are explained with. Every timing replays a CUDA graph of many launches, cycling over
/// enough copies of the operands that L2 (50 MB) cannot serve them. Decode attention is also timed on modules
/// compiled with other decode_attention.cu settings (--decode-variants: '+' joins the defines of one variant,
/// ',' separates variants), and on head shapes beside the model's, so that a change can be judged on G and D
/// it was not aimed at.
/// </summary>
public sealed class CudaKernelsBenchmark : IBenchmark
{
    private const int Launches = 40;
    private const long ColdBytes = 400L << 20;
    private static readonly int[] PrefillTokens = [1024, 8192];

    public string Name => "cuda-kernels";

    public string Description => "Per-kernel GB/s and TFLOP/s for a shape: --shape qwen3-0.6b|llama3.1-8b [--variants ROWSxWARPSxUNROLL,...] " +
        "[--decode-variants DEFINE=VALUE+...,...] [--prefill-variants WARPSxWARPROWSxKEYS,...] [--out FILE]";

    private sealed record Shape(int Hidden, int Intermediate, int QHeads, int KvHeads, int HeadDim, int Vocab);

    private static readonly Dictionary<string, Shape> s_shapes = new()
    {
        ["qwen3-0.6b"] = new(1024, 3072, 16, 8, 128, 151_936),
        ["llama3.1-8b"] = new(4096, 14_336, 32, 8, 128, 128_256),
    };

    public Task RunAsync(string[] args, TextWriter output)
    {
        var name = Arg(args, "--shape") ?? "llama3.1-8b";
        var shape = s_shapes.GetValueOrDefault(name) ?? throw new ArgumentException($"--shape is one of {string.Join(", ", s_shapes.Keys)}");
        var variants = (Arg(args, "--variants") ?? "1x4x4,2x4x4,4x4x4,2x8x8,4x8x2,1x8x8").Split(',');
        var decodeVariants = (Arg(args, "--decode-variants") ?? "DEC_TENSOR_CORES=0,DEC_MMA_STEPS(D)=2,DEC_MIN_BLOCKS=4").Split(',');
        using var device = CudaDevice.Open();
        using var stream = device.CreateStream();
        using var module = KernelModuleLoader.Load(device);
        var ops = new CudaOps(module);
        using var gemm = new CublasLtGemm(device);
        var lines = new List<string> { $"# cuda-kernels, {name}, on {device.Name} ({device.Architecture}, {device.MultiprocessorCount} SMs)" };
        void Emit(string line)
        {
            lines.Add(line);
            output.WriteLine(line);
        }

        var s = shape;
        (string Layer, int N, int K)[] linears =
        [
            ("qkv", (s.QHeads + 2 * s.KvHeads) * s.HeadDim, s.Hidden), ("o", s.Hidden, s.QHeads * s.HeadDim),
            ("gate_up", 2 * s.Intermediate, s.Hidden), ("down", s.Hidden, s.Intermediate), ("lm_head", s.Vocab, s.Hidden),
        ];
        var variantModules = variants.Select(v => (Name: v, Module: LoadVariant(device, v))).ToList();
        Emit("");
        Emit($"| linear | n × k | MB | m | cuBLASLt µs | GEMV µs | {string.Join(" | ", variants.Select(v => $"rows×warps×unroll {v} µs"))} | best TB/s |");
        Emit($"| --- | --- | --- | --- | --- | --- | {string.Join(" | ", variants.Select(_ => "---"))} | --- |");
        foreach (var (layer, n, k) in linears)
            foreach (var m in new[] { 1, 8 })
            {
                var weightBytes = 2L * n * k;
                var copies = (int)Math.Clamp(ColdBytes / weightBytes + 1, 1, Launches);
                using var w = device.Allocate(weightBytes * copies);
                using var x = device.Allocate(2L * m * k);
                using var y = device.Allocate(4L * m * n);
                w.Fill(0x3C, stream);
                x.Fill(0x3C, stream);
                var output0 = layer == "lm_head" ? GemmOutput.Fp32 : GemmOutput.Bf16;
                ulong W(int i) => w.At(i % copies * weightBytes);
                var cublas = Time(stream, i => gemm.Linear(x.Pointer, W(i), y.Pointer, m, n, k, output0, stream));
                var ours = Time(stream, i => ops.Gemv(x.Pointer, W(i), y.Pointer, m, n, k, output0, stream));
                var timed = variantModules.Select(v => Time(stream, i => LaunchVariant(v.Module, v.Name, y.Pointer, x.Pointer, W(i), m, n, k, output0, stream))).ToList();
                var best = timed.Append(ours).Append(cublas).Min();
                Emit(Row($"| {layer} | {n} × {k} | {weightBytes / 1e6:F0} | {m} | {cublas:F1} | {ours:F1} | {string.Join(" | ", timed.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)))} | {weightBytes / best / 1e6:F2} |"));
            }
        foreach (var v in variantModules)
            v.Module.Dispose();

        var decodeModules = decodeVariants.Select(v => LoadDecodeVariant(device, v)).ToList();
        var decodeOps = decodeModules.Select(m => new CudaOps(m)).ToList();
        Emit("");
        Emit($"| decode attention | sequences × context | KV GB | splits | paged kernel µs | decode kernel µs | {string.Join(" | ", decodeVariants.Select(v => $"{v} µs"))} | paged TB/s | best decode TB/s |");
        Emit($"| --- | --- | --- | --- | --- | --- | {string.Join(" | ", decodeVariants.Select(_ => "---"))} | --- | --- |");
        foreach (var (seqs, context) in new[] { (1, 128), (1, 4096), (16, 1024), (64, 1024), (64, 2048), (256, 512), (256, 1024), (128, 2048) })
            Emit(DecodeAttention(device, stream, ops, decodeOps, s, seqs, context));
        // Other query-heads-per-KV-head and head dims, on one KV-bound batch.
        foreach (var other in new Shape[] { s with { QHeads = s.KvHeads }, s with { QHeads = 8 * s.KvHeads }, s with { HeadDim = 64 }, s with { HeadDim = 256 } })
            Emit(DecodeAttention(device, stream, ops, decodeOps, other, 128, 1024));
        foreach (var m in decodeModules)
            m.Dispose();

        Emit("");
        Emit("| prefill attention (tensor cores) | tokens | TFLOP | ms | TFLOP/s |");
        Emit("| --- | --- | --- | --- | --- |");
        using (var tensorCore = TensorCoreAttention.Load(device))
            foreach (var tokens in PrefillTokens)
            {
                var (tflop, ms) = PrefillAttention(device, stream, tensorCore, s, tokens);
                Emit(Row($"| flash_prefill | {tokens} | {tflop:F3} | {ms:F3} | {tflop / ms * 1e3:F0} |"));
            }

        if (Arg(args, "--prefill-variants") is { } prefillVariants)
        {
            // Other tile shapes of the same kernel, compiled here; the default is timed again beside them.
            Emit("");
            Emit($"| flash_prefill tiles (warps×rows a warp×keys) | rows a block | {string.Join(" | ", PrefillTokens.Select(t => $"{t} tokens ms | TFLOP/s"))} |");
            Emit($"| --- | --- | {string.Join(" | ", PrefillTokens.Select(_ => "--- | ---"))} |");
            var shapes = prefillVariants.Split(',').Select(FlashPrefillTiles.Parse).Prepend(FlashPrefillTiles.Default).Distinct();
            foreach (var tiles in shapes)
            {
                using var tensorCore = TensorCoreAttention.Load(device, tiles: tiles);
                var cells = PrefillTokens.Select(tokens => PrefillAttention(device, stream, tensorCore, s, tokens))
                    .Select(r => Row($"{r.Ms:F3} | {r.Tflop / r.Ms * 1e3:F0}"));
                var label = tiles == FlashPrefillTiles.Default ? $"{tiles} (default)" : tiles.ToString();
                Emit($"| {label} | {tiles.RowsPerBlock} | {string.Join(" | ", cells)} |");
            }
        }

        if (Arg(args, "--out") is { } path)
            File.WriteAllLines(path, lines);
        return Task.CompletedTask;
    }

    private static string DecodeAttention(CudaDevice device, CudaStream stream, CudaOps ops, IReadOnlyList<CudaOps> variants, Shape s, int seqs, int context)
    {
        const int blockSize = 16;
        var maxBlocks = (context + blockSize - 1) / blockSize;
        var numBlocks = seqs * maxBlocks;
        var slotBytes = 2L * s.KvHeads * s.HeadDim;
        using var k = device.Allocate(numBlocks * blockSize * slotBytes);
        using var v = device.Allocate(numBlocks * blockSize * slotBytes);
        k.Fill(0x3C, stream);
        v.Fill(0x3C, stream);
        var tables = Enumerable.Range(0, numBlocks).ToArray();
        using var dTables = DeviceBuffer.Upload<int>(device, tables, stream);
        using var dSeq = DeviceBuffer.Upload<int>(device, Enumerable.Range(0, seqs).ToArray(), stream);
        using var dPos = DeviceBuffer.Upload<int>(device, Enumerable.Repeat(context - 1, seqs).ToArray(), stream);
        using var qkv = device.Allocate(2L * seqs * (s.QHeads + 2 * s.KvHeads) * s.HeadDim);
        qkv.Fill(0x3C, stream);
        using var outBuf = device.Allocate(2L * seqs * s.QHeads * s.HeadDim);
        var (splits, splitLength) = AttentionArgs.ChooseSplits(seqs, s.KvHeads, context, device.MultiprocessorCount, 32);
        using var partMl = device.Allocate(4L * seqs * s.QHeads * splits * 2);
        using var partAcc = device.Allocate(4L * seqs * s.QHeads * splits * s.HeadDim);
        var args = new AttentionArgs
        {
            Output = outBuf.Pointer, Qkv = qkv.Pointer, KCache = k.Pointer, VCache = v.Pointer, TokenSequence = dSeq.Pointer,
            Positions = dPos.Pointer, BlockTables = dTables.Pointer, PartialMl = partMl.Pointer, PartialAcc = partAcc.Pointer,
            Tokens = seqs, MaxBlocksPerSequence = maxBlocks, BlockSize = blockSize, NumQHeads = s.QHeads, NumKvHeads = s.KvHeads,
            HeadDim = s.HeadDim, Scale = 0.088f, Splits = splits, SplitLength = splitLength,
        };
        var paged = Time(stream, _ => ops.PagedAttention(args, stream));
        var decode = Time(stream, _ => ops.DecodeAttention(args, stream));
        var timed = variants.Select(v => Time(stream, _ => v.DecodeAttention(args, stream))).ToList();
        var best = timed.Append(decode).Min();
        var bytes = 2.0 * seqs * context * slotBytes;
        return Row($"| G = {s.QHeads / s.KvHeads}, D = {s.HeadDim} | {seqs} × {context} | {bytes / 1e9:F3} | {splits} | {paged:F1} | {decode:F1} | {string.Join(" | ", timed.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)))} | {bytes / paged / 1e6:F2} | {bytes / best / 1e6:F2} |");
    }

    /// <summary>One causal prefill of <paramref name="tokens"/> tokens: its TFLOP and its milliseconds.</summary>
    private static (double Tflop, double Ms) PrefillAttention(CudaDevice device, CudaStream stream, TensorCoreAttention tensorCore, Shape s, int tokens)
    {
        const int blockSize = 16;
        var maxBlocks = (tokens + blockSize - 1) / blockSize;
        var slotBytes = 2L * s.KvHeads * s.HeadDim;
        using var k = device.Allocate(maxBlocks * blockSize * slotBytes);
        using var v = device.Allocate(maxBlocks * blockSize * slotBytes);
        k.Fill(0x3C, stream);
        v.Fill(0x3C, stream);
        using var dTables = DeviceBuffer.Upload<int>(device, Enumerable.Range(0, maxBlocks).ToArray(), stream);
        using var dSeq = DeviceBuffer.Upload<int>(device, new int[tokens], stream);
        using var dPos = DeviceBuffer.Upload<int>(device, Enumerable.Range(0, tokens).ToArray(), stream);
        using var qkv = device.Allocate(2L * tokens * (s.QHeads + 2 * s.KvHeads) * s.HeadDim);
        qkv.Fill(0x3C, stream);
        using var outBuf = device.Allocate(2L * tokens * s.QHeads * s.HeadDim);
        var args = new AttentionArgs
        {
            Output = outBuf.Pointer, Qkv = qkv.Pointer, KCache = k.Pointer, VCache = v.Pointer, TokenSequence = dSeq.Pointer,
            Positions = dPos.Pointer, BlockTables = dTables.Pointer, Tokens = tokens, MaxBlocksPerSequence = maxBlocks,
            BlockSize = blockSize, NumQHeads = s.QHeads, NumKvHeads = s.KvHeads, HeadDim = s.HeadDim, Scale = 0.088f, Splits = 1, SplitLength = int.MaxValue,
        };
        var micro = Time(stream, _ => tensorCore.Prefill(args, stream), launches: 8);
        // Causal: QKᵀ and PV over half the square, 2 FLOPs a multiply-add.
        var flops = 2.0 * tokens * (double)tokens * s.HeadDim * s.QHeads;
        return (flops / 1e12, micro / 1e3);
    }

    private static CudaModule LoadVariant(CudaDevice device, string variant)
    {
        var (rows, warps, unroll) = ParseVariant(variant);
        var source = $"#define GEMV_ROWS {rows}\n#define GEMV_WARPS {warps}\n#define GEMV_UNROLL {unroll}\n" + KernelSources.Source;
        return KernelModuleLoader.Load(device, source, $"gemv_{variant}.cu", CubinCache.Default(), out _);
    }

    // "A=1+B(D)=2" becomes "#define A 1" and "#define B(D) 2" ahead of the kernel sources.
    private static CudaModule LoadDecodeVariant(CudaDevice device, string variant)
    {
        var defines = variant.Split('+').Select(d => d.Split('=', 2)).Select(p => $"#define {p[0]} {(p.Length > 1 ? p[1] : "1")}\n");
        var source = string.Concat(defines) + KernelSources.Source;
        var fileName = $"decode_{string.Concat(variant.Where(char.IsLetterOrDigit))}.cu";
        return KernelModuleLoader.Load(device, source, fileName, CubinCache.Default(), out _);
    }

    private static (int Rows, int Warps, int Unroll) ParseVariant(string variant)
    {
        var parts = variant.Split('x').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        return (parts[0], parts[1], parts[2]);
    }

    private static unsafe void LaunchVariant(CudaModule module, string variant, ulong y, ulong x, ulong w, int m, int n, int k, GemmOutput output, CudaStream stream)
    {
        var (rows, warps, _) = ParseVariant(variant);
        var kernel = module.GetKernel($"gemv_m{m}_{(output == GemmOutput.Fp32 ? "f32" : "bf16")}");
        var ksplit = 1; // the variants keep one warp a row group, as the kernel did before ksplit
        void** args = stackalloc void*[] { &y, &x, &w, &n, &k, &ksplit };
        kernel.Launch((uint)((n + rows * warps - 1) / (rows * warps)), 1, 1, (uint)(warps * 32), stream, args);
    }

    private static double Time(CudaStream stream, Action<int> launch, int launches = Launches) =>
        GraphTimer.MeanMicroseconds(stream, launch, launches, replays: 3);

    private static string Row(FormattableString row) => row.ToString(CultureInfo.InvariantCulture);

    private static string? Arg(string[] args, string name) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
