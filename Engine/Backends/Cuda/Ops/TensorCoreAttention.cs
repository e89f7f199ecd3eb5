using DynamoOrleans.Engine.Backends.Cuda.Compilation;

namespace DynamoOrleans.Engine.Backends.Cuda.Ops;

/// <summary>
/// Prefill attention on tensor cores (Kernels/TensorCore/flash_prefill.cu): the same inputs, causal rule and
/// output as <see cref="CudaOps.PagedAttention"/>, computed with mma.sync in tiles of 64 query tokens per
/// query head. Its own module, compiled on first use, so the main kernels load whatever happens here.
/// Head dims 64 and 128 on sm_80 and later; <see cref="Supports"/> says whether a model qualifies.
/// </summary>
public sealed unsafe class TensorCoreAttention : IDisposable
{
    /// <summary>Query tokens per block (FA_ROWS) and threads per block (FA_THREADS).</summary>
    private const int RowsPerBlock = 64;
    private const uint Threads = 128;

    private readonly CudaModule _module;
    private readonly Dictionary<int, CudaKernel> _kernels = [];

    private TensorCoreAttention(CudaModule module)
    {
        _module = module;
        foreach (var d in SupportedHeadDims)
            _kernels[d] = module.GetKernel($"flash_prefill_d{d}");
    }

    public static IReadOnlyList<int> SupportedHeadDims { get; } = [64, 128];

    /// <summary>bf16 mma.sync needs compute capability 8.0 (Ampere) or later.</summary>
    public static bool Supports(CudaDevice device, int headDim) =>
        device.ComputeCapabilityMajor >= 8 && SupportedHeadDims.Contains(headDim);

    public static TensorCoreAttention Load(CudaDevice device, CubinCache? cache = null) =>
        new(KernelModuleLoader.Load(device, KernelSources.TensorCoreSource, "dynamo_tc_kernels.cu", cache ?? CubinCache.Default(), out _));

    /// <summary>Queues the attention of <see cref="AttentionArgs.Tokens"/> query tokens; split fields are ignored (no split-K).</summary>
    public void Prefill(in AttentionArgs a, CudaStream stream)
    {
        if (!_kernels.TryGetValue(a.HeadDim, out var kernel))
            throw new NotSupportedException($"tensor-core attention serves head dims {string.Join(", ", SupportedHeadDims)}, not {a.HeadDim}");
        if (a.Tokens == 0)
            return;
        var output = a.Output; var qkv = a.Qkv; var kCache = a.KCache; var vCache = a.VCache;
        var tokenSeq = a.TokenSequence; var positions = a.Positions; var tables = a.BlockTables;
        var tokens = a.Tokens; var maxBlocks = a.MaxBlocksPerSequence; var blockSize = a.BlockSize;
        var hq = a.NumQHeads; var hkv = a.NumKvHeads; var scale = a.Scale;
        void** args = stackalloc void*[]
        {
            &output, &qkv, &kCache, &vCache, &tokenSeq, &positions, &tables, &tokens, &maxBlocks, &blockSize, &hq, &hkv, &scale,
        };
        kernel.Launch((uint)((tokens + RowsPerBlock - 1) / RowsPerBlock), (uint)hq, 1, Threads, stream, args);
    }

    public void Dispose() => _module.Dispose();
}
