namespace DynamoOrleans.Engine.Backends.Cuda.Model;

/// <summary>How a <see cref="CudaModelRunner"/> sizes itself on its GPU.</summary>
public sealed record CudaRunnerOptions
{
    public int DeviceOrdinal { get; init; }

    /// <summary>Tokens per KV block; must match the block manager's and the router's block size.</summary>
    public int BlockSize { get; init; } = 16;

    /// <summary>Fraction of the GPU's total memory the runner may hold in all (weights, scratch, KV cache), as vLLM's option.</summary>
    public double GpuMemoryUtilization { get; init; } = 0.9;

    /// <summary>A fixed KV block count instead of one sized from free memory (tests, several runners per GPU).</summary>
    public int? NumKvBlocks { get; init; }

    /// <summary>Most tokens in one forward step (the scheduler's token budget).</summary>
    public int MaxBatchTokens { get; init; } = 2048;

    public int MaxSequences { get; init; } = 256;

    /// <summary>Caps the context below the model's max_position_embeddings; null keeps the model's.</summary>
    public int? MaxContextLength { get; init; }

    /// <summary>Replays pure decode steps from CUDA graphs captured per batch-size bucket (launches cost ~3.4 µs each otherwise).</summary>
    public bool UseCudaGraphs { get; init; } = true;

    /// <summary>
    /// Runs the attention of steps that prefill (more tokens than sequences) on tensor cores
    /// (<see cref="Ops.TensorCoreAttention"/>) where the head dim and GPU allow; pure decode keeps the paged kernel.
    /// On an H100 it prefills 8k tokens 12× faster than the CUDA-core kernel (bench/results/cuda-targets-qwen3-0.6b-h100.md);
    /// off only to compare.
    /// </summary>
    public bool TensorCorePrefill { get; init; } = true;

    /// <summary>
    /// Lets the linear layers of steps with at most <see cref="Ops.CudaOps.GemvMaxRows"/> token rows (decode of a
    /// few sequences) run on the GEMV kernels of Kernels/gemv.cu, for the shapes where they beat cuBLASLt
    /// (<see cref="Ops.SkinnyLinear"/>); off only to compare.
    /// </summary>
    public bool DecodeGemv { get; init; } = true;

    /// <summary>
    /// In steps of a few token rows whose linear layers all take the GEMV (<see cref="DecodeGemv"/>), folds the
    /// RMSNorms into the GEMVs: the QKV and gate/up GEMVs norm the fp32 residual stream themselves and the O and down
    /// GEMVs add into it, two launches a layer fewer than a separate add_rmsnorm after each projection
    /// (Qwen3-0.6B batch-1 decode on an H100: 1.19 → 1.02 ms a step). Off only to compare.
    /// </summary>
    public bool FuseDecodeNorms { get; init; } = true;

    /// <summary>
    /// In steps that prefill on tensor cores, runs the attention of the leading decodes (one query token each; the
    /// scheduler puts them first) on the decode kernel, split across long contexts, and only the prefill rows on
    /// flash_prefill, whose 128-row tiles would otherwise make a pass per decoding sequence and read its KV once per
    /// query head. Off only to compare.
    /// </summary>
    public bool SplitMixedAttention { get; init; } = true;

    /// <summary>
    /// In pure decode steps, the decode attention kernel does the q/k norm, RoPE and the store of the step's keys and
    /// values in its prologue (decode_attention.cu's decode_rope_prologue) instead of a qk_norm_rope launch before it:
    /// one launch a layer fewer. Needs <see cref="DecodeAttention"/>. Off only to compare.
    /// </summary>
    public bool RopeInDecodeAttention { get; init; } = true;

    /// <summary>Tests: with <see cref="FuseDecodeNorms"/>, fold the norms wherever the GEMVs take the shape, whichever kernels the timing would pick.</summary>
    internal bool AlwaysFuseDecodeNorms { get; init; }

    /// <summary>Tests: with <see cref="DecodeGemv"/>, every linear layer the GEMV fits takes it, untimed, so that two runners
    /// compared bit for bit make the same choices (the timing can go either way on close shapes).</summary>
    internal bool AlwaysDecodeGemv { get; init; }

    /// <summary>
    /// Runs the attention of pure decode steps on Kernels/decode_attention.cu (every warp streams its own keys,
    /// no block barrier per chunk) rather than the general paged kernel; off only to compare.
    /// </summary>
    public bool DecodeAttention { get; init; } = true;

    /// <summary>
    /// Launches the engine's kernels with programmatic dependent launch on sm_90+ GPUs (H100, H200): each kernel
    /// may be scheduled while the previous one finishes, and a GEMV streams its weights meanwhile, which hides
    /// most of the gap between the ~10 small kernels of every layer of a decode step. Off only to compare.
    /// </summary>
    public bool ProgrammaticLaunch { get; init; } = true;

    /// <summary>
    /// With <see cref="ProgrammaticLaunch"/>, kernels let the next one launch before their own wait rather than after
    /// it (PDL_EARLY_TRIGGER, Kernels/common.cuh), so several of a decode layer's kernels are resident at once, each
    /// streaming its weights (and decode attention its first keys) while the ones before it finish. Off only to compare.
    /// </summary>
    public bool EarlyDependentLaunch { get; init; } = true;

    /// <summary>
    /// Decode attention merges the partials of a split context (long contexts at small batch) in the last block of
    /// each (token, KV head) instead of a second kernel: one launch a layer fewer. Its GPU tests pass on an H100; off
    /// by default until it has been timed against attention_combine on long contexts (Engine/Backends/Cuda/README.md).
    /// </summary>
    public bool CombineSplitsInKernel { get; init; }

    /// <summary>
    /// A GEMV whose rows are too few to fill the GPU (Qwen3-0.6B's O and down projections) shares each row group among
    /// up to four warps, each streaming part of the rows (ksplit in Kernels/gemv.cu), so the whole matrix is requested
    /// at once. Off only to compare: every row group on one warp.
    /// </summary>
    public bool SplitGemvRows { get; init; } = true;

    /// <summary>
    /// A decode attention grid with fewer blocks than the GPU has SMs (a decode of few sequences over contexts that are
    /// not split) runs on the wide kernel: 8 warps a block, each with 32 keys at head dim 128, so a context of up to 256
    /// keys is one round (Kernels/decode_attention.cu). Off only to compare.
    /// </summary>
    public bool WideDecodeAttention { get; init; } = true;

    /// <summary>
    /// With <see cref="RopeInDecodeAttention"/>, each warp of the decode attention kernel loads its first key tile into
    /// registers before its wait, while the QKV projection still runs, rather than only prefetching it to L2; the step's
    /// own key is patched in after the prologue has stored it. Off only to compare.
    /// </summary>
    public bool PreloadDecodeKv { get; init; } = true;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BlockSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSequences, 1);
        if (GpuMemoryUtilization is <= 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(GpuMemoryUtilization), GpuMemoryUtilization, "must be in (0, 1]");
        if (NumKvBlocks is < 1)
            throw new ArgumentOutOfRangeException(nameof(NumKvBlocks), NumKvBlocks, "must be positive");
    }
}
