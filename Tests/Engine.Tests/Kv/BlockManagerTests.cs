using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Engine.Scheduling;
using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Engine.Tests.Kv;

public class BlockManagerTests
{
    private const int BlockSize = 4;
    private static readonly SamplingParams Greedy = new() { Temperature = 0 };
    private long _nextId;

    [Fact]
    public void Allocate_FreshPrompt_TakesBlocksForChunkOnly()
    {
        var manager = new BlockManager(8, BlockSize);
        var seq = NewSequence(10);

        var match = manager.Match(seq);
        manager.Allocate(seq, match, numNewTokens: 6);

        Assert.Equal(0, match.NumBlocks);
        Assert.Equal(2, seq.BlockTable.Count);
        Assert.Equal(6, manager.NumFreeBlocks);
        Assert.All(seq.BlockTable, b => Assert.Equal(1, manager.RefCount(b)));
    }

    [Fact]
    public void Match_AfterCommit_ReusesLeadingFullBlocksAndSharesReferences()
    {
        var manager = new BlockManager(16, BlockSize);
        var first = NewSequence(10);
        Compute(manager, first);

        var second = NewSequence(10, tokens => tokens[9] = 77);
        var match = manager.Match(second);
        manager.Allocate(second, match, second.NumTokens - match.NumBlocks * BlockSize);

        Assert.Equal(2, match.NumBlocks);
        Assert.Equal(8, second.NumComputedTokens);
        Assert.Equal(first.BlockTable[..2], second.BlockTable[..2]);
        Assert.Equal(2, manager.RefCount(first.BlockTable[0]));
        Assert.NotEqual(first.BlockTable[2], second.BlockTable[2]);
        Assert.Equal(0.4, manager.PrefixHitRate, 6);
    }

    [Fact]
    public void Match_WholePromptCached_LeavesLastBlockToCompute()
    {
        var manager = new BlockManager(16, BlockSize);
        var first = NewSequence(8);
        Compute(manager, first);

        var second = NewSequence(8);
        var match = manager.Match(second);

        Assert.Equal(1, match.NumBlocks);
    }

    [Fact]
    public void Free_CachedBlocks_StayCachedAndRevive()
    {
        var manager = new BlockManager(4, BlockSize);
        var first = NewSequence(9);
        Compute(manager, first);
        var cachedBlocks = first.BlockTable[..2];
        manager.Free(first);

        Assert.Equal(4, manager.NumFreeBlocks);
        Assert.Equal(2, manager.NumCachedBlocks);

        var second = NewSequence(9);
        var match = manager.Match(second);
        Assert.Equal(new PrefixMatch(2, 2), match);
        manager.Allocate(second, match, 1);
        Assert.Equal(cachedBlocks, second.BlockTable[..2]);
        Assert.Equal(1, manager.NumFreeBlocks);
    }

    [Fact]
    public void Allocate_NoCleanBlocks_EvictsLeastRecentlyUsedFirst()
    {
        var sink = new RecordingKvEventSink();
        var manager = new BlockManager(4, BlockSize, sink);
        var a = NewSequence(4, t => t.AsSpan().Fill(1));
        var b = NewSequence(4, t => t.AsSpan().Fill(2));
        Compute(manager, a);
        Compute(manager, b);
        manager.Free(a);
        manager.Free(b);

        // Two clean blocks go first, then a's block (freed earlier) before b's.
        var c = NewSequence(12, t => t.AsSpan().Fill(3));
        manager.Allocate(c, manager.Match(c), 12);

        Assert.Equal(1, manager.NumCachedBlocks);
        var removed = Assert.IsType<KvEvent.Removed>(sink.Events[^1]);
        Assert.Equal([a.SequenceHashes[0]], removed.SequenceHashes);
        Assert.Equal(1, manager.Match(NewSequence(5, t => t.AsSpan().Fill(2))).NumBlocks);
    }

    [Fact]
    public void Commit_PublishesStoredWithParentAndMonotonicIds()
    {
        var sink = new RecordingKvEventSink();
        var manager = new BlockManager(8, BlockSize, sink);
        var seq = NewSequence(13);
        var match = manager.Match(seq);
        manager.Allocate(seq, match, 6);
        seq.NumComputedTokens = 6;
        manager.Commit(seq);
        manager.Append(seq, 7);
        seq.NumComputedTokens = 13;
        manager.Commit(seq);

        Assert.Collection(sink.Events,
            e =>
            {
                var stored = Assert.IsType<KvEvent.Stored>(e);
                Assert.Equal(1, stored.EventId);
                Assert.Null(stored.ParentHash);
                Assert.Equal([new StoredBlock(seq.SequenceHashes[0], seq.LocalHashes[0])], stored.Blocks);
            },
            e =>
            {
                var stored = Assert.IsType<KvEvent.Stored>(e);
                Assert.Equal(2, stored.EventId);
                Assert.Equal(seq.SequenceHashes[0], stored.ParentHash);
                Assert.Equal(2, stored.Blocks.Count);
                Assert.Equal(seq.SequenceHashes[2], stored.Blocks[1].SequenceHash);
            });
        Assert.Equal(3, manager.NextEventId);
    }

    [Fact]
    public void Commit_SamePrefixComputedTwiceConcurrently_KeepsFirstAndFreesDuplicateAsPlain()
    {
        var sink = new RecordingKvEventSink();
        var manager = new BlockManager(8, BlockSize, sink);
        var a = NewSequence(5);
        var b = NewSequence(5);
        manager.Allocate(a, manager.Match(a), 5);
        manager.Allocate(b, manager.Match(b), 5);
        a.NumComputedTokens = b.NumComputedTokens = 5;
        manager.Commit(a);
        manager.Commit(b);

        Assert.Single(sink.Events);
        Assert.True(manager.IsCached(a.BlockTable[0]));
        Assert.False(manager.IsCached(b.BlockTable[0]));
        manager.Free(a);
        manager.Free(b);
        Assert.Equal(8, manager.NumFreeBlocks);
        Assert.Equal(1, manager.NumCachedBlocks);
    }

    [Fact]
    public void CanAppend_OnlyAtBlockBoundary_NeedsFreeBlock()
    {
        var manager = new BlockManager(2, BlockSize);
        var seq = NewSequence(7);
        manager.Allocate(seq, manager.Match(seq), 7);
        seq.NumComputedTokens = 7;

        Assert.True(manager.CanAppend(seq, 1));
        manager.Append(seq, 1);
        seq.NumComputedTokens = 8;
        Assert.False(manager.CanAppend(seq, 1));
        Assert.Throws<InvalidOperationException>(() => manager.Append(seq, 1));
    }

    [Fact]
    public void CanAllocate_CountsRevivedFreeHitsAgainstFreeBlocks()
    {
        var manager = new BlockManager(3, BlockSize);
        var first = NewSequence(9);
        Compute(manager, first);
        manager.Free(first);

        var second = NewSequence(13);
        var match = manager.Match(second);

        Assert.Equal(new PrefixMatch(2, 2), match);
        Assert.True(manager.CanAllocate(second, match, 4));
        Assert.False(manager.CanAllocate(second, match, 5));
    }

    [Fact]
    public void ResetPrefixCache_WhenIdle_ClearsAndPublishes()
    {
        var sink = new RecordingKvEventSink();
        var manager = new BlockManager(4, BlockSize, sink);
        var seq = NewSequence(8);
        Compute(manager, seq);

        Assert.False(manager.ResetPrefixCache());
        manager.Free(seq);
        Assert.True(manager.ResetPrefixCache());

        Assert.Equal(0, manager.NumCachedBlocks);
        var cleared = Assert.IsType<KvEvent.Cleared>(sink.Events[^1]);
        Assert.Equal(sink.Events.Count, cleared.EventId);
    }

    [Fact]
    public void SnapshotCachedBlocks_AfterEviction_ListsWhatIsCachedAsOfTheLastEvent()
    {
        var sink = new RecordingKvEventSink();
        var manager = new BlockManager(4, BlockSize, sink);
        var first = NewSequence(12);
        Compute(manager, first);
        manager.Free(first);
        var second = NewSequence(8, tokens => tokens[0] = 999);
        Compute(manager, second); // takes two blocks: the one clean block, then evicts first's last cached block

        var snapshot = manager.SnapshotCachedBlocks();

        Assert.Equal(sink.Events.Count, snapshot.EventId);
        Assert.Equal(BlockSize, snapshot.BlockSize);
        Assert.Equal(manager.NumCachedBlocks, snapshot.Blocks.Count);
        Assert.Contains(new CachedBlock(first.SequenceHashes[0], first.LocalHashes[0], null), snapshot.Blocks);
        Assert.Contains(new CachedBlock(first.SequenceHashes[1], first.LocalHashes[1], first.SequenceHashes[0]), snapshot.Blocks);
        Assert.DoesNotContain(snapshot.Blocks, b => b.SequenceHash == first.SequenceHashes[2]);
        Assert.Contains(new CachedBlock(second.SequenceHashes[1], second.LocalHashes[1], second.SequenceHashes[0]), snapshot.Blocks);
    }

    [Fact]
    public void Free_Twice_IsHarmlessBecauseTableIsCleared()
    {
        var manager = new BlockManager(4, BlockSize);
        var seq = NewSequence(8);
        manager.Allocate(seq, manager.Match(seq), 8);
        manager.Free(seq);
        manager.Free(seq);
        Assert.Equal(4, manager.NumFreeBlocks);
    }

    private static void Compute(BlockManager manager, Sequence seq)
    {
        var match = manager.Match(seq);
        manager.Allocate(seq, match, seq.NumTokens - match.NumBlocks * BlockSize);
        seq.NumComputedTokens = seq.NumTokens;
        manager.Commit(seq);
    }

    private Sequence NewSequence(int numTokens, Action<int[]>? edit = null)
    {
        var tokens = Enumerable.Range(10, numTokens).ToArray();
        edit?.Invoke(tokens);
        var id = _nextId++;
        return new Sequence(id, $"r{id}", tokens, Greedy);
    }
}
