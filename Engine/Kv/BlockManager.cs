using DynamoOrleans.Engine.Scheduling;

namespace DynamoOrleans.Engine.Kv;

/// <summary>
/// Hands out fixed-size KV blocks to sequences, counts references, and keeps computed full blocks
/// as a prefix cache keyed by their chained hash (<see cref="BlockHasher"/>). Pure bookkeeping: it
/// never touches the cache's tensors.
/// </summary>
/// <remarks>
/// Unreferenced blocks live in one free list. Blocks without a hash sit at its front and are
/// reused first; cached blocks join the back when freed, so the front of the cached part is the
/// least recently used one and is evicted first. A block is registered in the cache only once its
/// keys and values are computed, and never written again while registered: a prompt that is
/// entirely cached still recomputes its last block into a fresh one, so the runner always has a
/// token to produce logits from.
/// </remarks>
public sealed class BlockManager
{
    private readonly int[] _refCounts;
    private readonly ulong[] _hashes;
    private readonly ulong[] _localHashes;
    private readonly ulong?[] _parentHashes;
    private readonly bool[] _isCached;
    private readonly Dictionary<ulong, int> _blockByHash;
    private readonly FreeBlockList _free;
    private readonly KvEventBuffer _events;

    public BlockManager(int numBlocks, int blockSize, IKvEventSink? eventSink = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numBlocks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        NumBlocks = numBlocks;
        BlockSize = blockSize;
        _refCounts = new int[numBlocks];
        _hashes = new ulong[numBlocks];
        _localHashes = new ulong[numBlocks];
        _parentHashes = new ulong?[numBlocks];
        _isCached = new bool[numBlocks];
        _blockByHash = new Dictionary<ulong, int>(numBlocks);
        _free = new FreeBlockList(numBlocks);
        _events = new KvEventBuffer(eventSink);
    }

    public int NumBlocks { get; }

    public int BlockSize { get; }

    /// <summary>Unreferenced blocks, cached or not: what allocation can draw on.</summary>
    public int NumFreeBlocks => _free.Count;

    public int NumUsedBlocks => NumBlocks - _free.Count;

    /// <summary>Blocks registered in the prefix cache, referenced or not.</summary>
    public int NumCachedBlocks => _blockByHash.Count;

    /// <summary>Prompt tokens looked up in the prefix cache at admission.</summary>
    public long NumQueriedTokens { get; private set; }

    /// <summary>Of <see cref="NumQueriedTokens"/>, those found cached.</summary>
    public long NumHitTokens { get; private set; }

    public double PrefixHitRate => NumQueriedTokens == 0 ? 0 : (double)NumHitTokens / NumQueriedTokens;

    /// <summary>The id the next KV event gets (the first is 1).</summary>
    public long NextEventId => _events.NextEventId;

    public int RefCount(int blockId) => _refCounts[blockId];

    public bool IsCached(int blockId) => _isCached[blockId];

    /// <summary>
    /// Counts the leading cached blocks of a sequence that holds no blocks, stopping one token short
    /// of its end so at least one token is left to compute.
    /// </summary>
    public PrefixMatch Match(Sequence sequence)
    {
        if (sequence.BlockTable.Count != 0)
            throw new InvalidOperationException($"{sequence} already holds blocks");
        HashFullBlocks(sequence);
        var limit = Math.Min((sequence.NumTokens - 1) / BlockSize, sequence.SequenceHashes.Count);
        var numBlocks = 0;
        var numFree = 0;
        while (numBlocks < limit && _blockByHash.TryGetValue(sequence.SequenceHashes[numBlocks], out var blockId))
        {
            if (_refCounts[blockId] == 0)
                numFree++;
            numBlocks++;
        }
        return new PrefixMatch(numBlocks, numFree);
    }

    /// <summary>Whether <see cref="Allocate"/> can take the matched blocks and room for <paramref name="numNewTokens"/> more.</summary>
    public bool CanAllocate(Sequence sequence, PrefixMatch match, int numNewTokens)
    {
        var numTokens = match.NumBlocks * BlockSize + numNewTokens;
        var numFresh = BlocksFor(numTokens) - match.NumBlocks;
        return numFresh + match.NumFreeBlocks <= _free.Count;
    }

    /// <summary>
    /// Admits a sequence: references its matched prefix blocks, marks them computed, and allocates
    /// fresh blocks for the next <paramref name="numNewTokens"/> tokens.
    /// </summary>
    public void Allocate(Sequence sequence, PrefixMatch match, int numNewTokens)
    {
        if (!CanAllocate(sequence, match, numNewTokens))
            throw new InvalidOperationException($"not enough free blocks for {sequence}");
        for (var i = 0; i < match.NumBlocks; i++)
        {
            var blockId = _blockByHash[sequence.SequenceHashes[i]];
            if (_refCounts[blockId]++ == 0)
                _free.Remove(blockId);
            sequence.BlockTable.Add(blockId);
        }
        // Sized once for the whole request, so decode steps never grow these lists.
        var numTokensAtMost = (long)sequence.NumPromptTokens + Math.Max(sequence.Sampling.MaxTokens, 0);
        var numBlocksAtMost = (int)Math.Min((numTokensAtMost + BlockSize - 1) / BlockSize, NumBlocks);
        sequence.BlockTable.EnsureCapacity(numBlocksAtMost);
        sequence.SequenceHashes.EnsureCapacity(numBlocksAtMost);
        sequence.LocalHashes.EnsureCapacity(numBlocksAtMost);
        var numCachedTokens = match.NumBlocks * BlockSize;
        sequence.NumComputedTokens = numCachedTokens;
        sequence.NumCommittedBlocks = match.NumBlocks;
        NumQueriedTokens += sequence.NumTokens;
        NumHitTokens += numCachedTokens;
        AllocateFresh(sequence, BlocksFor(numCachedTokens + numNewTokens) - match.NumBlocks);
    }

    /// <summary>Whether a running sequence can get blocks for <paramref name="numNewTokens"/> more computed tokens.</summary>
    public bool CanAppend(Sequence sequence, int numNewTokens) =>
        NumBlocksToAppend(sequence, numNewTokens) <= _free.Count;

    /// <summary>Adds the blocks a running sequence needs to compute <paramref name="numNewTokens"/> more tokens.</summary>
    public void Append(Sequence sequence, int numNewTokens)
    {
        var numBlocks = NumBlocksToAppend(sequence, numNewTokens);
        if (numBlocks > _free.Count)
            throw new InvalidOperationException($"not enough free blocks for {sequence}");
        AllocateFresh(sequence, numBlocks);
    }

    /// <summary>
    /// Offers the sequence's newly computed full blocks to the prefix cache and publishes them as one
    /// Stored event per run. A block whose hash is already cached elsewhere (another sequence computed
    /// the same prefix at the same time) stays private and is reused as a plain block when freed.
    /// </summary>
    public void Commit(Sequence sequence)
    {
        var numFull = Math.Min(sequence.NumComputedTokens / BlockSize, sequence.BlockTable.Count);
        if (numFull <= sequence.NumCommittedBlocks)
            return;
        HashFullBlocks(sequence);
        for (var i = sequence.NumCommittedBlocks; i < numFull; i++)
        {
            var hash = sequence.SequenceHashes[i];
            var blockId = sequence.BlockTable[i];
            if (_isCached[blockId] || !_blockByHash.TryAdd(hash, blockId))
            {
                _events.FlushStored();
                continue;
            }
            _hashes[blockId] = hash;
            _localHashes[blockId] = sequence.LocalHashes[i];
            _parentHashes[blockId] = i == 0 ? null : sequence.SequenceHashes[i - 1];
            _isCached[blockId] = true;
            _events.AddStored(_parentHashes[blockId], new StoredBlock(hash, sequence.LocalHashes[i]));
        }
        _events.FlushStored();
        sequence.NumCommittedBlocks = numFull;
    }

    /// <summary>Drops a sequence's references. Its cached blocks stay cached until evicted; the last block is freed first so it is evicted first.</summary>
    public void Free(Sequence sequence)
    {
        var table = sequence.BlockTable;
        for (var i = table.Count - 1; i >= 0; i--)
        {
            var blockId = table[i];
            if (--_refCounts[blockId] > 0)
                continue;
            if (_refCounts[blockId] < 0)
                throw new InvalidOperationException($"block {blockId} freed twice");
            if (_isCached[blockId])
                _free.AddLast(blockId);
            else
                _free.AddFirst(blockId);
        }
        table.Clear();
        sequence.NumComputedTokens = 0;
        sequence.NumCommittedBlocks = 0;
    }

    /// <summary>Every block in the prefix cache and the id of the last event published, read together so they agree.</summary>
    public KvIndexSnapshot SnapshotCachedBlocks()
    {
        var blocks = new CachedBlock[_blockByHash.Count];
        var n = 0;
        foreach (var blockId in _blockByHash.Values)
            blocks[n++] = new CachedBlock(_hashes[blockId], _localHashes[blockId], _parentHashes[blockId]);
        return new KvIndexSnapshot(NextEventId - 1, BlockSize, blocks);
    }

    /// <summary>Forgets every cached block; only possible while no block is referenced. Publishes Cleared.</summary>
    public bool ResetPrefixCache()
    {
        if (_free.Count != NumBlocks)
            return false;
        foreach (var blockId in _blockByHash.Values)
            _isCached[blockId] = false;
        _blockByHash.Clear();
        _events.PublishCleared();
        return true;
    }

    private int NumBlocksToAppend(Sequence sequence, int numNewTokens) =>
        Math.Max(0, BlocksFor(sequence.NumComputedTokens + numNewTokens) - sequence.BlockTable.Count);

    private void AllocateFresh(Sequence sequence, int numBlocks)
    {
        for (var i = 0; i < numBlocks; i++)
        {
            var blockId = _free.RemoveFirst();
            if (_isCached[blockId])
                Evict(blockId);
            _refCounts[blockId] = 1;
            sequence.BlockTable.Add(blockId);
        }
        _events.FlushRemoved();
    }

    private void Evict(int blockId)
    {
        _blockByHash.Remove(_hashes[blockId]);
        _isCached[blockId] = false;
        _events.AddRemoved(_hashes[blockId]);
    }

    private void HashFullBlocks(Sequence sequence)
    {
        var tokens = sequence.TokenIds;
        var numFull = tokens.Length / BlockSize;
        for (var i = sequence.SequenceHashes.Count; i < numFull; i++)
        {
            var local = BlockHasher.LocalHash(tokens.Slice(i * BlockSize, BlockSize));
            var parent = i == 0 ? 0 : sequence.SequenceHashes[i - 1];
            sequence.SequenceHashes.Add(BlockHasher.SequenceHash(parent, local, i));
            sequence.LocalHashes.Add(local);
        }
    }

    private int BlocksFor(int numTokens) => (numTokens + BlockSize - 1) / BlockSize;
}
