using System.Runtime.InteropServices;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Routing.Index;

/// <summary>
/// Predicted mode: no KV events, so the router assumes a worker keeps a prompt's blocks for
/// <see cref="Ttl"/> after it routed the prompt there. Each routing decision is recorded into an
/// inner <see cref="KvIndex"/>; a block routed again to the same worker once less than half its TTL is left has its expiry
/// pushed back to a full TTL.
/// Expiry is lazy, on the next read or record. With a fixed TTL the expiry queue is already in time
/// order, so it is a FIFO of (deadline, worker, hash) and a map holds each block's live deadline;
/// a queue entry whose deadline no longer matches the map's was refreshed and is skipped.
/// </summary>
public sealed class PredictedKvIndex : IPrefixIndex
{
    private readonly Lock _gate = new();
    private readonly KvIndex _index;
    private readonly TimeProvider _time;
    private readonly long _ttlTicks;
    private readonly Queue<Expiry> _queue = new();
    private readonly Dictionary<(WorkerId Worker, ulong Hash), long> _deadline = [];

    public PredictedKvIndex(int blockSize, TimeSpan ttl, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        _index = new KvIndex(blockSize);
        _time = time ?? TimeProvider.System;
        Ttl = ttl;
        _ttlTicks = (long)(ttl.TotalSeconds * _time.TimestampFrequency);
    }

    public int BlockSize => _index.BlockSize;

    public TimeSpan Ttl { get; }

    /// <summary>Blocks currently predicted to be cached somewhere (after expiring the old ones).</summary>
    public int NumBlocks
    {
        get
        {
            lock (_gate)
            {
                ExpireLocked();
                return _index.NumBlocks;
            }
        }
    }

    public void FindOverlap(ReadOnlySpan<ulong> sequenceHashes, ReadOnlySpan<WorkerId> workers, Span<int> overlap, Span<int> cachedBlocks)
    {
        lock (_gate)
        {
            ExpireLocked();
            _index.FindOverlap(sequenceHashes, workers, overlap, cachedBlocks);
        }
    }

    public Dictionary<WorkerId, int> FindOverlap(ReadOnlySpan<ulong> sequenceHashes)
    {
        lock (_gate)
        {
            ExpireLocked();
            return _index.FindOverlap(sequenceHashes);
        }
    }

    public void OnRouted(WorkerId worker, ReadOnlySpan<ulong> sequenceHashes)
    {
        lock (_gate)
        {
            ExpireLocked();
            var deadline = _time.GetTimestamp() + _ttlTicks;
            _index.Store(worker, sequenceHashes);
            var refreshAfter = deadline - _ttlTicks / 2;
            foreach (var hash in sequenceHashes)
            {
                // A block with more than half its TTL left keeps its deadline: a hot prefix then has at
                // most two queue entries per TTL instead of one per request, so the queue stays bounded.
                ref var live = ref CollectionsMarshal.GetValueRefOrAddDefault(_deadline, (worker, hash), out var exists);
                if (exists && live > refreshAfter)
                    continue;
                live = deadline;
                _queue.Enqueue(new Expiry(deadline, worker, hash));
            }
        }
    }

    public bool RemoveWorker(WorkerId worker)
    {
        lock (_gate)
        {
            // Queue entries for the worker stay behind; they find no deadline in the map and are skipped.
            var keys = new List<(WorkerId, ulong)>();
            foreach (var key in _deadline.Keys)
                if (key.Worker == worker)
                    keys.Add(key);
            foreach (var key in keys)
                _deadline.Remove(key);
            return _index.RemoveWorker(worker);
        }
    }

    private void ExpireLocked()
    {
        var now = _time.GetTimestamp();
        Span<ulong> one = stackalloc ulong[1];
        while (_queue.TryPeek(out var head) && head.Deadline <= now)
        {
            _queue.Dequeue();
            if (!_deadline.TryGetValue((head.Worker, head.Hash), out var live) || live != head.Deadline)
                continue;
            _deadline.Remove((head.Worker, head.Hash));
            one[0] = head.Hash;
            _index.Remove(head.Worker, one);
        }
    }

    private readonly record struct Expiry(long Deadline, WorkerId Worker, ulong Hash);
}
