using System.Numerics;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Routing.Index;

/// <summary>
/// Which workers hold which prefix blocks, fed by each worker's KV events. Because a sequence hash
/// names its whole prefix, a flat map from sequence hash to a bitset of worker slots is enough (no
/// tree): a worker's overlap with a prompt is the length of the longest run of the prompt's leading
/// hashes that all carry its bit. See README.md for the costs.
/// <para>
/// Thread safety: one lock around every call. Reads (<see cref="FindOverlap(ReadOnlySpan{ulong}, ReadOnlySpan{WorkerId}, Span{int}, Span{int})"/>)
/// run on the caller's thread; writes for one worker must be applied in event-id order by one
/// consumer (the event bus's reader), which is what makes the gap check meaningful.
/// </para>
/// </summary>
public sealed class KvIndex : IPrefixIndex
{
    private readonly Lock _gate = new();
    private readonly BlockTable _table;
    private readonly Dictionary<WorkerId, int> _slotOf = [];
    private ulong _touched; // keeps the prefetching reads in Touch from being optimized away
    private bool[] _inUse = new bool[64];
    private long[] _lastEventId = new long[64];
    private int[] _blockCount = new int[64];

    public KvIndex(int blockSize, int initialBlockCapacity = 1 << 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        BlockSize = blockSize;
        _table = new BlockTable(1, initialBlockCapacity);
    }

    public int BlockSize { get; }

    /// <summary>Distinct sequence hashes held by at least one worker.</summary>
    public int NumBlocks
    {
        get { lock (_gate) return _table.Count; }
    }

    public int NumWorkers
    {
        get { lock (_gate) return _slotOf.Count; }
    }

    /// <summary>Applies one event from <paramref name="worker"/>, checking that its id follows the last one.</summary>
    public KvApplyResult Apply(WorkerId worker, KvEvent kvEvent)
    {
        ArgumentNullException.ThrowIfNull(kvEvent);
        lock (_gate)
        {
            var slot = SlotFor(worker);
            var expected = _lastEventId[slot] + 1;
            if (kvEvent.EventId < expected)
                return new KvApplyResult(KvApplyStatus.Stale, expected, kvEvent.EventId);
            _lastEventId[slot] = kvEvent.EventId;
            switch (kvEvent)
            {
                case KvEvent.Stored stored:
                    StoreLocked(slot, stored.Blocks);
                    break;
                case KvEvent.Removed removed:
                    RemoveLocked(slot, removed.SequenceHashes);
                    break;
                case KvEvent.Cleared:
                    ClearLocked(slot);
                    break;
            }
            var status = kvEvent.EventId == expected ? KvApplyStatus.Applied : KvApplyStatus.Gap;
            return new KvApplyResult(status, expected, kvEvent.EventId);
        }
    }

    /// <summary>
    /// Replaces everything known about <paramref name="worker"/> with a full snapshot of its cache,
    /// taken when its last event was <paramref name="lastEventId"/>: after a gap, or when it joins.
    /// Call it from the consumer that applies this worker's events, between two of them, so that no
    /// event applied after the snapshot was taken is overwritten by it.
    /// </summary>
    public void ReplaceWorker(WorkerId worker, ReadOnlySpan<ulong> sequenceHashes, long lastEventId)
    {
        lock (_gate)
        {
            var slot = SlotFor(worker);
            ClearLocked(slot);
            foreach (var hash in sequenceHashes)
                if (_table.Add(hash, slot))
                    _blockCount[slot]++;
            _lastEventId[slot] = lastEventId;
        }
    }

    /// <summary>
    /// Drops a departed worker and all its blocks; its slot is reused by the next newcomer. Stop the
    /// worker's event subscription first: a later event would bring the worker back.
    /// </summary>
    public bool RemoveWorker(WorkerId worker)
    {
        lock (_gate)
        {
            if (!_slotOf.Remove(worker, out var slot))
                return false;
            ClearLocked(slot);
            _inUse[slot] = false;
            _lastEventId[slot] = 0;
            return true;
        }
    }

    /// <summary>Adds blocks for a worker without an event id (predicted mode, tests).</summary>
    public void Store(WorkerId worker, ReadOnlySpan<ulong> sequenceHashes)
    {
        lock (_gate)
        {
            var slot = SlotFor(worker);
            foreach (var hash in sequenceHashes)
                if (_table.Add(hash, slot))
                    _blockCount[slot]++;
        }
    }

    /// <summary>Removes blocks for a worker without an event id; hashes it does not hold are ignored.</summary>
    public void Remove(WorkerId worker, ReadOnlySpan<ulong> sequenceHashes)
    {
        lock (_gate)
        {
            if (!_slotOf.TryGetValue(worker, out var slot))
                return;
            foreach (var hash in sequenceHashes)
                if (_table.Remove(hash, slot))
                    _blockCount[slot]--;
        }
    }

    /// <summary>The id of the last event applied for the worker (0 when none).</summary>
    public long LastEventId(WorkerId worker)
    {
        lock (_gate)
            return _slotOf.TryGetValue(worker, out var slot) ? _lastEventId[slot] : 0;
    }

    /// <summary>Blocks the worker holds in all.</summary>
    public int CachedBlocks(WorkerId worker)
    {
        lock (_gate)
            return _slotOf.TryGetValue(worker, out var slot) ? _blockCount[slot] : 0;
    }

    public void FindOverlap(ReadOnlySpan<ulong> sequenceHashes, ReadOnlySpan<WorkerId> workers, Span<int> overlap, Span<int> cachedBlocks)
    {
        if (overlap.Length < workers.Length || cachedBlocks.Length < workers.Length)
            throw new ArgumentException($"{workers.Length} workers need {workers.Length} overlap and cached-block entries");
        lock (_gate)
        {
            Span<int> bySlot = _table.Words <= 16 ? stackalloc int[_table.Words * 64] : new int[_table.Words * 64];
            OverlapBySlotLocked(sequenceHashes, bySlot);
            for (var i = 0; i < workers.Length; i++)
            {
                if (_slotOf.TryGetValue(workers[i], out var slot))
                {
                    overlap[i] = bySlot[slot];
                    cachedBlocks[i] = _blockCount[slot];
                }
                else
                {
                    overlap[i] = 0;
                    cachedBlocks[i] = 0;
                }
            }
        }
    }

    /// <summary>Overlap for every worker that holds at least the first block (allocates; for tests and tools).</summary>
    public Dictionary<WorkerId, int> FindOverlap(ReadOnlySpan<ulong> sequenceHashes)
    {
        lock (_gate)
        {
            var bySlot = new int[_table.Words * 64];
            OverlapBySlotLocked(sequenceHashes, bySlot);
            var result = new Dictionary<WorkerId, int>();
            foreach (var (worker, slot) in _slotOf)
                if (bySlot[slot] > 0)
                    result[worker] = bySlot[slot];
            return result;
        }
    }

    void IPrefixIndex.OnRouted(WorkerId worker, ReadOnlySpan<ulong> sequenceHashes)
    {
        // Real KV events will report what the worker stores.
    }

    // Walks the prompt's hashes once, keeping the set of slots that held every block so far; a slot
    // that drops out at block d has overlap d. Stops at the first block nobody still alive holds.
    private void OverlapBySlotLocked(ReadOnlySpan<ulong> hashes, Span<int> bySlot)
    {
        var words = _table.Words;
        Span<ulong> alive = stackalloc ulong[words];
        var cells = _table.Cells;
        var depth = 0;
        for (; depth < hashes.Length; depth++)
        {
            var at = _table.Find(hashes[depth]);
            if (at < 0)
                break;
            var any = false;
            for (var w = 0; w < words; w++)
            {
                var held = cells[at + 1 + w];
                var now = depth == 0 ? held : alive[w] & held;
                var dropped = alive[w] & ~now;
                while (dropped != 0)
                {
                    bySlot[(w << 6) + BitOperations.TrailingZeroCount(dropped)] = depth;
                    dropped &= dropped - 1;
                }
                alive[w] = now;
                any |= now != 0;
            }
            if (!any)
                return;
        }
        for (var w = 0; w < words; w++)
            for (var rest = alive[w]; rest != 0; rest &= rest - 1)
                bySlot[(w << 6) + BitOperations.TrailingZeroCount(rest)] = depth;
    }

    private void StoreLocked(int slot, IReadOnlyList<StoredBlock> blocks)
    {
        // Workers publish arrays; the array path avoids an interface call per block.
        if (blocks is StoredBlock[] array)
        {
            _touched += _table.Touch(array);
            foreach (var block in array)
                if (_table.Add(block.SequenceHash, slot))
                    _blockCount[slot]++;
            return;
        }
        for (var i = 0; i < blocks.Count; i++)
            if (_table.Add(blocks[i].SequenceHash, slot))
                _blockCount[slot]++;
    }

    private void RemoveLocked(int slot, IReadOnlyList<ulong> hashes)
    {
        if (hashes is ulong[] array)
        {
            _touched += _table.Touch(array);
            foreach (var hash in array)
                if (_table.Remove(hash, slot))
                    _blockCount[slot]--;
            return;
        }
        for (var i = 0; i < hashes.Count; i++)
            if (_table.Remove(hashes[i], slot))
                _blockCount[slot]--;
    }

    private void ClearLocked(int slot)
    {
        if (_blockCount[slot] > 0)
            _table.RemoveSlot(slot);
        _blockCount[slot] = 0;
    }

    private int SlotFor(WorkerId worker)
    {
        if (_slotOf.TryGetValue(worker, out var slot))
            return slot;
        slot = Array.IndexOf(_inUse, false);
        if (slot < 0)
        {
            slot = _inUse.Length;
            var size = _inUse.Length * 2;
            Array.Resize(ref _inUse, size);
            Array.Resize(ref _lastEventId, size);
            Array.Resize(ref _blockCount, size);
        }
        _table.Widen((slot >> 6) + 1);
        _inUse[slot] = true;
        _lastEventId[slot] = 0;
        _blockCount[slot] = 0;
        _slotOf[worker] = slot;
        return slot;
    }
}
