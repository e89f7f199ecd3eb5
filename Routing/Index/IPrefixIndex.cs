using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Routing.Index;

/// <summary>
/// What the router asks of an index: overlap per candidate, and a hook after each decision. Two
/// implementations: <see cref="KvIndex"/> (fed by workers' KV events) and <see cref="PredictedKvIndex"/>
/// (no events: the router's own decisions, remembered for a while).
/// </summary>
public interface IPrefixIndex
{
    /// <summary>Tokens per block; hashes given to the index must have been made with it.</summary>
    int BlockSize { get; }

    /// <summary>
    /// For each of <paramref name="workers"/>, the number of leading blocks of the prompt it holds
    /// (into <paramref name="overlap"/>) and the blocks it holds in all (into <paramref name="cachedBlocks"/>).
    /// </summary>
    void FindOverlap(ReadOnlySpan<ulong> sequenceHashes, ReadOnlySpan<WorkerId> workers, Span<int> overlap, Span<int> cachedBlocks);

    /// <summary>Called after the router sent a prompt with these hashes to <paramref name="worker"/>.</summary>
    void OnRouted(WorkerId worker, ReadOnlySpan<ulong> sequenceHashes);

    /// <summary>Forgets everything about a worker that left.</summary>
    bool RemoveWorker(WorkerId worker);
}
