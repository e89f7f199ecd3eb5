using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Routing.Index;
using static DynamoOrleans.Routing.Tests.Workers;

namespace DynamoOrleans.Routing.Tests.Index;

public sealed class KvIndexTests
{
    private static KvEvent.Stored Stored(long id, params ulong[] hashes)
    {
        var blocks = new StoredBlock[hashes.Length];
        for (var i = 0; i < hashes.Length; i++)
            blocks[i] = new StoredBlock(hashes[i], hashes[i] * 31);
        return new KvEvent.Stored(id, null, blocks);
    }

    [Fact]
    public void FindOverlap_WorkersHoldDifferentPrefixes_CountsLeadingBlocksPerWorker()
    {
        var index = new KvIndex(16);
        index.Apply(Id(0), Stored(1, 1, 2, 3, 4));
        index.Apply(Id(1), Stored(1, 1, 2));
        index.Apply(Id(2), Stored(1, 9, 10));

        var overlap = index.FindOverlap([1, 2, 3, 4, 5]);

        Assert.Equal(4, overlap[Id(0)]);
        Assert.Equal(2, overlap[Id(1)]);
        Assert.False(overlap.ContainsKey(Id(2)));
    }

    [Fact]
    public void FindOverlap_HoleInTheMiddle_StopsAtTheHole()
    {
        var index = new KvIndex(16);
        index.Apply(Id(0), Stored(1, 1, 2, 4, 5));

        Assert.Equal(2, index.FindOverlap([1, 2, 3, 4, 5])[Id(0)]);
    }

    [Fact]
    public void FindOverlap_SpanOverload_FillsPerCandidateAndZeroForUnknownWorkers()
    {
        var index = new KvIndex(16);
        index.Apply(Id(0), Stored(1, 1, 2, 3));
        index.Apply(Id(1), Stored(1, 1, 7, 8, 9));
        var overlap = new int[3];
        var cached = new int[3];

        index.FindOverlap([1, 2, 3], [Id(0), Id(1), Id(5)], overlap, cached);

        Assert.Equal([3, 1, 0], overlap);
        Assert.Equal([3, 4, 0], cached);
    }

    [Fact]
    public void FindOverlap_EmptyPromptOrEmptyIndex_ReturnsNothing()
    {
        var index = new KvIndex(16);
        Assert.Empty(index.FindOverlap([1, 2]));
        index.Apply(Id(0), Stored(1, 1));
        Assert.Empty(index.FindOverlap([]));
    }

    [Fact]
    public void Apply_EventsInOrder_AreApplied()
    {
        var index = new KvIndex(16);

        Assert.Equal(KvApplyStatus.Applied, index.Apply(Id(0), Stored(1, 1, 2)).Status);
        Assert.Equal(KvApplyStatus.Applied, index.Apply(Id(0), new KvEvent.Removed(2, [2])).Status);
        Assert.Equal(KvApplyStatus.Applied, index.Apply(Id(0), Stored(3, 2, 3)).Status);

        Assert.Equal(3, index.FindOverlap([1, 2, 3])[Id(0)]);
        Assert.Equal(3, index.LastEventId(Id(0)));
    }

    [Fact]
    public void Apply_OldOrDuplicateEventId_IsStaleAndIgnored()
    {
        var index = new KvIndex(16);
        index.Apply(Id(0), Stored(1, 1));
        index.Apply(Id(0), Stored(2, 2));

        var result = index.Apply(Id(0), new KvEvent.Removed(2, [1, 2]));

        Assert.Equal(KvApplyStatus.Stale, result.Status);
        Assert.Equal(2, index.FindOverlap([1, 2])[Id(0)]);
    }

    [Fact]
    public void Apply_SkippedEventId_ReportsGapWithExpectedIdAndAppliesTheEvent()
    {
        var index = new KvIndex(16);
        index.Apply(Id(0), Stored(1, 1));

        var result = index.Apply(Id(0), Stored(4, 2));

        Assert.True(result.IsGap);
        Assert.Equal(2, result.ExpectedEventId);
        Assert.Equal(4, result.ReceivedEventId);
        Assert.Equal(2, index.FindOverlap([1, 2])[Id(0)]);
        Assert.Equal(KvApplyStatus.Applied, index.Apply(Id(0), Stored(5, 3)).Status);
    }

    [Fact]
    public void Apply_FirstEventOfUnknownWorkerIsNotOne_ReportsGap()
    {
        var index = new KvIndex(16);

        Assert.True(index.Apply(Id(0), Stored(57, 1)).IsGap);
    }

    [Fact]
    public void Apply_GapsArePerWorker()
    {
        var index = new KvIndex(16);
        index.Apply(Id(0), Stored(1, 1));
        index.Apply(Id(0), Stored(2, 2));

        Assert.Equal(KvApplyStatus.Applied, index.Apply(Id(1), Stored(1, 1)).Status);
    }

    [Fact]
    public void ReplaceWorker_AfterGap_ReplacesBlocksAndResumesFromSnapshotId()
    {
        var index = new KvIndex(16);
        index.Apply(Id(0), Stored(1, 1, 2, 3));
        index.Apply(Id(1), Stored(1, 1, 2, 3));
        Assert.True(index.Apply(Id(0), Stored(5, 4)).IsGap);

        index.ReplaceWorker(Id(0), [1, 7], lastEventId: 10);

        var overlap = index.FindOverlap([1, 2, 3]);
        Assert.Equal(1, overlap[Id(0)]);
        Assert.Equal(3, overlap[Id(1)]);
        Assert.Equal(2, index.CachedBlocks(Id(0)));
        Assert.Equal(KvApplyStatus.Stale, index.Apply(Id(0), Stored(10, 2)).Status);
        Assert.Equal(KvApplyStatus.Applied, index.Apply(Id(0), Stored(11, 2)).Status);
    }

    [Fact]
    public void RemoveWorker_DropsAllItsBlocksAndKeepsOthers()
    {
        var index = new KvIndex(16);
        index.Apply(Id(0), Stored(1, 1, 2, 3));
        index.Apply(Id(1), Stored(1, 1, 2));

        Assert.True(index.RemoveWorker(Id(0)));

        var overlap = index.FindOverlap([1, 2, 3]);
        Assert.False(overlap.ContainsKey(Id(0)));
        Assert.Equal(2, overlap[Id(1)]);
        Assert.Equal(2, index.NumBlocks);
        Assert.Equal(1, index.NumWorkers);
        Assert.False(index.RemoveWorker(Id(0)));
    }

    [Fact]
    public void RemoveWorker_ThenRejoin_StartsAfreshAtEventOne()
    {
        var index = new KvIndex(16);
        index.Apply(Id(0), Stored(1, 1));
        index.Apply(Id(0), Stored(2, 2));
        index.RemoveWorker(Id(0));

        Assert.Equal(KvApplyStatus.Applied, index.Apply(Id(0), Stored(1, 5)).Status);
        Assert.Equal(1, index.CachedBlocks(Id(0)));
    }

    [Fact]
    public void Cleared_EmptiesOnlyThatWorker()
    {
        var index = new KvIndex(16);
        index.Apply(Id(0), Stored(1, 1, 2));
        index.Apply(Id(1), Stored(1, 1, 2));

        Assert.Equal(KvApplyStatus.Applied, index.Apply(Id(0), new KvEvent.Cleared(2)).Status);

        var overlap = index.FindOverlap([1, 2]);
        Assert.False(overlap.ContainsKey(Id(0)));
        Assert.Equal(2, overlap[Id(1)]);
        Assert.Equal(0, index.CachedBlocks(Id(0)));
    }

    [Fact]
    public void Removed_HashNotHeld_IsIgnored()
    {
        var index = new KvIndex(16);
        index.Apply(Id(0), Stored(1, 1));
        index.Apply(Id(1), Stored(1, 2));

        index.Apply(Id(0), new KvEvent.Removed(2, [2, 99]));

        Assert.Equal(1, index.FindOverlap([2])[Id(1)]);
        Assert.Equal(1, index.CachedBlocks(Id(0)));
    }

    [Fact]
    public void StoredTwice_CountsTheBlockOnce()
    {
        var index = new KvIndex(16);
        index.Apply(Id(0), Stored(1, 1, 2));
        index.Apply(Id(0), Stored(2, 2, 3));

        Assert.Equal(3, index.CachedBlocks(Id(0)));
        Assert.Equal(3, index.NumBlocks);
    }

    [Fact]
    public void ManyWorkers_BeyondSixtyFourSlots_AreTrackedSeparately()
    {
        var index = new KvIndex(16);
        for (var w = 0; w < 150; w++)
            index.Apply(Id(w), Stored(1, Hashes(1, w + 1)));

        var overlap = index.FindOverlap(Hashes(1, 200));

        Assert.Equal(150, overlap.Count);
        for (var w = 0; w < 150; w++)
            Assert.Equal(w + 1, overlap[Id(w)]);
    }

    [Fact]
    public void RealBlockHashes_FromBlockHasher_MatchPromptsSharingAPrefix()
    {
        var index = new KvIndex(4);
        int[] first = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        int[] second = [1, 2, 3, 4, 5, 6, 7, 8, 42, 43, 44, 45];
        var firstHashes = new ulong[3];
        var secondHashes = new ulong[3];
        BlockHasher.Compute(first, 4, firstHashes);
        BlockHasher.Compute(second, 4, secondHashes);
        index.Apply(Id(0), Stored(1, firstHashes));

        Assert.Equal(2, index.FindOverlap(secondHashes)[Id(0)]);
    }
}
