using DynamoOrleans.Engine.Backends.Cuda.Compilation;

namespace DynamoOrleans.Engine.Backends.Cuda.Ops;

/// <summary>
/// Prefill attention on tensor cores (Kernels/TensorCore/flash_prefill.cu): the same inputs, causal rule and
/// output as <see cref="CudaOps.PagedAttention"/>, computed with mma.sync in tiles of
/// <see cref="FlashPrefillTiles.RowsPerBlock"/> query tokens per query head. Its own module, compiled on first
/// use, so the main kernels load whatever happens here. Head dims 64 and 128 on sm_80 and later;
/// <see cref="Supports"/> says whether a model qualifies.
/// </summary>
public sealed unsafe class TensorCoreAttention : IDisposable
{
    private readonly CudaModule _module;
    private readonly Dictionary<int, CudaKernel> _kernels = [];

    private TensorCoreAttention(CudaModule module, FlashPrefillTiles tiles)
    {
        _module = module;
        Tiles = tiles;
        foreach (var d in SupportedHeadDims)
        {
            var kernel = module.GetKernel($"flash_prefill_d{d}");
            // The tiles take more than the 48 KB a launch may use without asking.
            kernel.SetMaxDynamicSharedBytes(tiles.SharedBytes(d));
            _kernels[d] = kernel;
        }
    }

    public static IReadOnlyList<int> SupportedHeadDims { get; } = [64, 128];

    /// <summary>The shape the kernels were compiled with.</summary>
    public FlashPrefillTiles Tiles { get; }

    /// <summary>bf16 mma.sync needs compute capability 8.0 (Ampere) or later.</summary>
    public static bool Supports(CudaDevice device, int headDim) =>
        device.ComputeCapabilityMajor >= 8 && SupportedHeadDims.Contains(headDim);

    /// <summary>
    /// Compiles (or takes from the cache) the kernels with <paramref name="tiles"/>, by default
    /// <see cref="FlashPrefillTiles.Default"/> where the device's shared memory allows it, else
    /// <see cref="FlashPrefillTiles.SmallShared"/>.
    /// </summary>
    public static TensorCoreAttention Load(CudaDevice device, CubinCache? cache = null, FlashPrefillTiles? tiles = null)
    {
        var largestDim = SupportedHeadDims.Max();
        var chosen = tiles ?? (FlashPrefillTiles.Default.SharedBytes(largestDim) <= device.MaxSharedBytesPerBlock
            ? FlashPrefillTiles.Default : FlashPrefillTiles.SmallShared);
        if (chosen.SharedBytes(largestDim) > device.MaxSharedBytesPerBlock)
            throw new NotSupportedException(
                $"flash_prefill tiles {chosen} need {chosen.SharedBytes(largestDim)} bytes of shared memory a block; {device.Name} allows {device.MaxSharedBytesPerBlock}");
        var source = chosen.Defines + KernelSources.TensorCoreSource;
        var module = KernelModuleLoader.Load(device, source, $"dynamo_tc_kernels_{chosen}.cu", cache ?? CubinCache.Default(), out _);
        return new(module, chosen);
    }

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
        // One dimension, heads fastest: the kernel splits blockIdx.x into a head and a row block (last rows first).
        var rowBlocks = (tokens + Tiles.RowsPerBlock - 1) / Tiles.RowsPerBlock;
        kernel.Launch((uint)(rowBlocks * hq), 1, 1, Tiles.Threads, stream, args, (uint)Tiles.SharedBytes(a.HeadDim));
    }

    public void Dispose() => _module.Dispose();
}
