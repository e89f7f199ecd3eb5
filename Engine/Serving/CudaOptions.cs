namespace DynamoOrleans.Engine.Serving;

/// <summary>What a <see cref="CudaEngine"/> needs beyond <see cref="EngineOptions"/>: which GPU and how much of its memory.</summary>
public sealed record CudaOptions
{
    public int DeviceOrdinal { get; init; }

    /// <summary>
    /// Fraction of the GPU's total memory the engine may hold in all (weights, scratch, KV cache), as vLLM's
    /// <c>--gpu-memory-utilization</c>; the KV cache takes what is left. Ignored when <see cref="EngineOptions.KvCacheBytes"/>
    /// or <see cref="EngineOptions.MaxKvBlocks"/> fixes the cache's size.
    /// </summary>
    public double GpuMemoryUtilization { get; init; } = 0.9;

    /// <summary>Replays pure decode steps from captured CUDA graphs; off only to compare with eager launches.</summary>
    public bool UseCudaGraphs { get; init; } = true;

    /// <summary>Prefill attention on tensor cores (see <c>CudaRunnerOptions.TensorCorePrefill</c>); off only to compare.</summary>
    public bool TensorCorePrefill { get; init; } = true;

    /// <summary>Decode steps of a few sequences on our GEMV kernels (see <c>CudaRunnerOptions.DecodeGemv</c>); off only to compare.</summary>
    public bool DecodeGemv { get; init; } = true;

    /// <summary>Decode attention on its own kernel (see <c>CudaRunnerOptions.DecodeAttention</c>); off only to compare.</summary>
    public bool DecodeAttention { get; init; } = true;

    /// <summary>Programmatic dependent launch on sm_90+ (see <c>CudaRunnerOptions.ProgrammaticLaunch</c>); off only to compare.</summary>
    public bool ProgrammaticLaunch { get; init; } = true;

    /// <summary>Mixed steps' decodes on the decode attention kernel (see <c>CudaRunnerOptions.SplitMixedAttention</c>); off only to compare.</summary>
    public bool SplitMixedAttention { get; init; } = true;

    /// <summary>RMSNorms folded into the decode GEMVs (see <c>CudaRunnerOptions.FuseDecodeNorms</c>); off only to compare.</summary>
    public bool FuseDecodeNorms { get; init; } = true;

    /// <summary>Decode steps' q/k norm and RoPE inside the attention kernel (see <c>CudaRunnerOptions.RopeInDecodeAttention</c>); off only to compare.</summary>
    public bool RopeInDecodeAttention { get; init; } = true;

    /// <summary>Kernels let the next one launch before their own wait (see <c>CudaRunnerOptions.EarlyDependentLaunch</c>); off only to compare.</summary>
    public bool EarlyDependentLaunch { get; init; } = true;

    /// <summary>Decode attention merges split contexts in its own last block (see <c>CudaRunnerOptions.CombineSplitsInKernel</c>); off until it is timed against attention_combine on long contexts.</summary>
    public bool CombineSplitsInKernel { get; init; }

    /// <summary>GEMVs of few rows spread over more warps (see <c>CudaRunnerOptions.SplitGemvRows</c>); off only to compare.</summary>
    public bool SplitGemvRows { get; init; } = true;

    /// <summary>Small decode attention grids on the wide kernel (see <c>CudaRunnerOptions.WideDecodeAttention</c>); off only to compare.</summary>
    public bool WideDecodeAttention { get; init; } = true;

    /// <summary>Decode attention loads its first keys before its wait (see <c>CudaRunnerOptions.PreloadDecodeKv</c>); off only to compare.</summary>
    public bool PreloadDecodeKv { get; init; } = true;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (DeviceOrdinal < 0)
            errors.Add($"DeviceOrdinal must not be negative (got {DeviceOrdinal})");
        if (GpuMemoryUtilization is <= 0 or > 1 || double.IsNaN(GpuMemoryUtilization))
            errors.Add($"GpuMemoryUtilization must be in (0, 1] (got {GpuMemoryUtilization})");
        return errors;
    }
}
