namespace DynamoOrleans.Engine.Kv;

/// <summary>One cached full block: its chained hash, its own tokens' hash, and the chained hash of the block before it (null for a prompt's first block).</summary>
public readonly record struct CachedBlock(ulong SequenceHash, ulong LocalHash, ulong? ParentHash);

/// <summary>
/// An engine's whole prefix cache at one moment. <see cref="EventId"/> is the id of the last KV event
/// the snapshot reflects, so a consumer applies only later events on top of it.
/// </summary>
public sealed record KvIndexSnapshot(long EventId, int BlockSize, IReadOnlyList<CachedBlock> Blocks);

/// <summary>Something that can dump its prefix cache: a gateway re-reads a worker's index through it after a gap in the events.</summary>
public interface IKvIndexSource
{
    ValueTask<KvIndexSnapshot> GetKvIndexAsync(CancellationToken cancellationToken);
}
