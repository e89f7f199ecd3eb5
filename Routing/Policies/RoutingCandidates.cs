using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Routing.Policies;

/// <summary>
/// The eligible workers for one request (two or more: the router settles zero and one itself) and
/// what a policy may weigh, as parallel spans indexed by candidate. Lives on the router's stack
/// for one decision.
/// </summary>
public readonly ref struct RoutingCandidates
{
    public RoutingCandidates(
        ReadOnlySpan<WorkerId> workers,
        ReadOnlySpan<int> overlapBlocks,
        ReadOnlySpan<int> cachedBlocks,
        ReadOnlySpan<int> activePrefillBlocks,
        ReadOnlySpan<int> activeDecodeBlocks,
        int promptBlocks,
        int decodeGrowthBlocks)
    {
        Workers = workers;
        OverlapBlocks = overlapBlocks;
        CachedBlocks = cachedBlocks;
        ActivePrefillBlocks = activePrefillBlocks;
        ActiveDecodeBlocks = activeDecodeBlocks;
        PromptBlocks = promptBlocks;
        DecodeGrowthBlocks = decodeGrowthBlocks;
    }

    public ReadOnlySpan<WorkerId> Workers { get; }

    /// <summary>Leading prompt blocks each candidate already holds.</summary>
    public ReadOnlySpan<int> OverlapBlocks { get; }

    /// <summary>Blocks each candidate holds in all (a tie-break: the emptier cache wins).</summary>
    public ReadOnlySpan<int> CachedBlocks { get; }

    /// <summary>Uncached prompt blocks still being prefilled on each candidate.</summary>
    public ReadOnlySpan<int> ActivePrefillBlocks { get; }

    /// <summary>KV blocks held by the requests running on each candidate.</summary>
    public ReadOnlySpan<int> ActiveDecodeBlocks { get; }

    /// <summary>The request's prompt in blocks, a trailing partial block counted as one.</summary>
    public int PromptBlocks { get; }

    /// <summary>Blocks the request is expected to add while decoding (0 when unknown).</summary>
    public int DecodeGrowthBlocks { get; }

    public int Count => Workers.Length;
}
