using DynamoOrleans.Engine.Kv;

namespace DynamoOrleans.Routing.Bench.Simulation;

/// <summary>
/// A worker's prefix cache reduced to what routing sees: a fixed number of blocks kept in LRU order,
/// keyed by sequence hash, publishing Stored and Removed events with rising ids as an engine does.
/// </summary>
public sealed class SimulatedPrefixCache(int capacityBlocks, IKvEventSink? sink)
{
    private readonly LinkedList<ulong> _lru = new();
    private readonly Dictionary<ulong, LinkedListNode<ulong>> _nodes = [];
    private long _nextEventId = 1;

    public int NumBlocks => _nodes.Count;

    /// <summary>Serves a prompt: returns how many leading blocks were cached, then caches all of them.</summary>
    public int Serve(ReadOnlySpan<ulong> sequenceHashes)
    {
        var hit = 0;
        while (hit < sequenceHashes.Length && _nodes.ContainsKey(sequenceHashes[hit]))
            hit++;
        var stored = new List<StoredBlock>();
        var evicted = new List<ulong>();
        for (var i = 0; i < sequenceHashes.Length; i++)
        {
            var hash = sequenceHashes[i];
            if (_nodes.TryGetValue(hash, out var node))
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                continue;
            }
            while (_nodes.Count >= capacityBlocks)
            {
                var last = _lru.Last!;
                _lru.RemoveLast();
                _nodes.Remove(last.Value);
                evicted.Add(last.Value);
            }
            _nodes[hash] = _lru.AddFirst(hash);
            stored.Add(new StoredBlock(hash, 0));
        }
        // Evictions first, as an engine frees blocks before it fills them.
        if (evicted.Count > 0)
            sink?.Publish(new KvEvent.Removed(_nextEventId++, evicted.ToArray()));
        if (stored.Count > 0)
            sink?.Publish(new KvEvent.Stored(_nextEventId++, null, stored.ToArray()));
        return hit;
    }
}
