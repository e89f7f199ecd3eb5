namespace DynamoOrleans.Engine.Backends.Cuda.Ops;

/// <summary>One paged-attention launch: device pointers and shapes (see <see cref="CudaOps.PagedAttention"/>).</summary>
public readonly record struct AttentionArgs
{
    public required ulong Output { get; init; }

    public required ulong Qkv { get; init; }

    public required ulong KCache { get; init; }

    public required ulong VCache { get; init; }

    /// <summary>int per query token: its sequence's row in <see cref="BlockTables"/>.</summary>
    public required ulong TokenSequence { get; init; }

    /// <summary>int per query token: its position; it attends to keys 0..position.</summary>
    public required ulong Positions { get; init; }

    public required ulong BlockTables { get; init; }

    public ulong PartialMl { get; init; }

    public ulong PartialAcc { get; init; }

    public required int Tokens { get; init; }

    public required int MaxBlocksPerSequence { get; init; }

    public required int BlockSize { get; init; }

    public required int NumQHeads { get; init; }

    public required int NumKvHeads { get; init; }

    public required int HeadDim { get; init; }

    public required float Scale { get; init; }

    public required int Splits { get; init; }

    public required int SplitLength { get; init; }

    /// <summary>
    /// Decode kernel only (<see cref="CudaOps.DecodeAttention"/>): the kernel does the step's q/k norm, RoPE and store
    /// of keys and values itself, from <see cref="Qkv"/> as the projection left it; null when qk_norm_rope ran.
    /// </summary>
    public DecodeRope? Rope { get; init; }

    /// <summary>
    /// Decode kernel only: Tokens × NumKvHeads ints, 0 between launches. Given, a split launch merges its partials in
    /// the last block of each (token, KV head) instead of a second kernel (decode_attention.cu's decode_combine_splits),
    /// one launch fewer; 0: attention_combine runs after.
    /// </summary>
    public ulong SplitCounters { get; init; }

    /// <summary>
    /// The same launch for the query tokens from <paramref name="first"/> on (its pointers moved past the tokens
    /// before it, unsplit), so that one step's tokens can go to two kernels: decodes to one, prefills to another.
    /// </summary>
    public AttentionArgs FromToken(int first)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first, Tokens);
        if (first == 0)
            return this;
        const int bf16 = 2, int32 = 4;
        return this with
        {
            Output = Output + (ulong)((long)first * NumQHeads * HeadDim * bf16),
            Qkv = Qkv + (ulong)((long)first * (NumQHeads + 2 * NumKvHeads) * HeadDim * bf16),
            TokenSequence = TokenSequence + (ulong)((long)first * int32),
            Positions = Positions + (ulong)((long)first * int32),
            Tokens = Tokens - first,
            Splits = 1,
            SplitLength = int.MaxValue,
        };
    }

    /// <summary>
    /// Contexts up to this many keys are never split (four <see cref="CudaOps.SplitGranularity"/> pieces): a few key
    /// tiles per block cost less than the combine launch, and on an H100 also less than the decode kernel merging its
    /// own splits (Qwen3-0.6B batch 1 at 128–160 keys: 0.958 ms a step split in 64-key pieces, 0.938 ms whole).
    /// </summary>
    public const int MinContextToSplit = 4 * CudaOps.SplitGranularity;

    /// <summary>
    /// Splits the key range only when the tokens × KV heads alone would leave SMs idle: then pieces of
    /// <see cref="CudaOps.SplitGranularity"/> keys cover the longest context with at most <paramref name="maxSplits"/> splits.
    /// </summary>
    public static (int Splits, int SplitLength) ChooseSplits(int tokens, int numKvHeads, int maxContext, int multiprocessors, int maxSplits)
    {
        var blocks = tokens * numKvHeads;
        if (blocks >= 2 * multiprocessors || maxContext <= MinContextToSplit || maxSplits <= 1)
            return (1, int.MaxValue);
        var wanted = Math.Clamp((2 * multiprocessors + blocks - 1) / blocks, 1, maxSplits);
        var granules = (maxContext + CudaOps.SplitGranularity - 1) / CudaOps.SplitGranularity;
        var perSplit = (granules + wanted - 1) / wanted;
        var splitLength = perSplit * CudaOps.SplitGranularity;
        var splits = (maxContext + splitLength - 1) / splitLength;
        return splits <= 1 ? (1, int.MaxValue) : (splits, splitLength);
    }
}
