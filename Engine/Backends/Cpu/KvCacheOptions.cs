namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>How big the paged KV cache is: a fixed block count, or as many blocks as fit a memory budget.</summary>
public sealed record KvCacheOptions
{
    /// <summary>Tokens per block; must match the block manager's and the router's block size.</summary>
    public int BlockSize { get; init; } = 16;

    /// <summary>Blocks to allocate; when null, <see cref="MemoryBudgetBytes"/> decides.</summary>
    public int? NumBlocks { get; init; }

    /// <summary>Bytes for K and V of every layer together, used when <see cref="NumBlocks"/> is null.</summary>
    public long MemoryBudgetBytes { get; init; } = 1L << 30;

    /// <summary>The block count these options give for a model whose one block (all layers, K and V) takes <paramref name="bytesPerBlock"/>.</summary>
    public int ResolveNumBlocks(long bytesPerBlock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BlockSize, 1);
        var blocks = NumBlocks ?? (int)Math.Min(int.MaxValue, MemoryBudgetBytes / bytesPerBlock);
        if (blocks < 1)
            throw new ArgumentException($"KV cache holds no block: a block takes {bytesPerBlock} bytes and the budget is {MemoryBudgetBytes}");
        return blocks;
    }
}
