namespace DynamoOrleans.Engine.Kv;

/// <summary>A full block's identity: its own tokens' hash and the chained hash of the whole prefix up to it.</summary>
public readonly record struct StoredBlock(ulong SequenceHash, ulong LocalHash);

/// <summary>
/// A change to an engine's prefix cache. <see cref="EventId"/> rises by one per event per engine, so
/// a consumer that sees a gap knows it missed something and re-reads the engine's index.
/// </summary>
public abstract record KvEvent(long EventId)
{
    /// <summary>Blocks became reusable prefix cache entries. <paramref name="ParentHash"/> is the sequence hash of the block before the first one, null at the start of a prompt.</summary>
    public sealed record Stored(long EventId, ulong? ParentHash, IReadOnlyList<StoredBlock> Blocks) : KvEvent(EventId);

    /// <summary>Blocks were evicted; hashes are sequence hashes.</summary>
    public sealed record Removed(long EventId, IReadOnlyList<ulong> SequenceHashes) : KvEvent(EventId);

    /// <summary>The whole cache was dropped.</summary>
    public sealed record Cleared(long EventId) : KvEvent(EventId);
}

/// <summary>Receives an engine's KV events; the cluster layer publishes them (in memory or Redis Streams).</summary>
public interface IKvEventSink
{
    void Publish(KvEvent kvEvent);
}
