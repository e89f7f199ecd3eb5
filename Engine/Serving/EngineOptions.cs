namespace DynamoOrleans.Engine.Serving;

/// <summary>How an engine batches and how much KV cache it may use; <see cref="Validate"/> says what is wrong before anything starts.</summary>
public sealed record EngineOptions
{
    /// <summary>Tokens per KV block; must equal the runner's, and the router's.</summary>
    public int BlockSize { get; init; } = 16;

    /// <summary>Tokens computed per step at most (prefill chunks plus decodes).</summary>
    public int MaxBatchTokens { get; init; } = 2048;

    /// <summary>Sequences running at once at most.</summary>
    public int MaxSequences { get; init; } = 64;

    /// <summary>Caps the KV blocks the engine uses below what the runner allocated; null uses them all.</summary>
    public int? MaxKvBlocks { get; init; }

    /// <summary>Bytes the runner allocates for the KV cache when the engine creates it; null lets the runner decide.</summary>
    public long? KvCacheBytes { get; init; }

    /// <summary>Caps prompt + output length below the model's; null uses the model's.</summary>
    public int? MaxContextLength { get; init; }

    /// <summary>Seeds the generator shared by requests without a seed, so whole runs repeat; null draws a fresh seed.</summary>
    public int? Seed { get; init; }

    /// <summary>The served model name on the model card; null uses the folder name.</summary>
    public string? ModelName { get; init; }

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (BlockSize < 1)
            errors.Add($"BlockSize must be at least 1 (got {BlockSize})");
        if (MaxBatchTokens < 1)
            errors.Add($"MaxBatchTokens must be at least 1 (got {MaxBatchTokens})");
        if (MaxSequences < 1)
            errors.Add($"MaxSequences must be at least 1 (got {MaxSequences})");
        if (MaxKvBlocks is < 1)
            errors.Add($"MaxKvBlocks must be at least 1 when set (got {MaxKvBlocks})");
        if (KvCacheBytes is < 1)
            errors.Add($"KvCacheBytes must be positive when set (got {KvCacheBytes})");
        if (MaxContextLength is < 2)
            errors.Add($"MaxContextLength must be at least 2 when set (got {MaxContextLength})");
        return errors;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem.</summary>
    public void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0)
            throw new ArgumentException("invalid engine options: " + string.Join("; ", errors));
    }
}
