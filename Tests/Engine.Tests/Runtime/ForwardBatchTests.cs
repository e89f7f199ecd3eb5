using DynamoOrleans.Engine.Runtime;

namespace DynamoOrleans.Engine.Tests.Runtime;

public class ForwardBatchTests
{
    [Fact]
    public void AddSequence_AfterCachedPrefix_FlattensTokensPositionsAndBlockTables()
    {
        var batch = new ForwardBatch(maxTokens: 16, maxSequences: 4, maxBlocksPerSequence: 4);
        batch.Clear(blockSize: 4);
        batch.AddSequence([7, 8, 9], cachedLength: 5, blockTable: [3, 1]);
        batch.AddSequence([4], cachedLength: 0, blockTable: [2]);

        Assert.Equal(2, batch.NumSequences);
        Assert.Equal(4, batch.NumTokens);
        Assert.Equal([7, 8, 9, 4], batch.TokenIds[..4]);
        Assert.Equal([5, 6, 7, 0], batch.Positions[..4]);
        Assert.Equal(8, batch.ContextLengths[0]);
        Assert.Equal([3, 1], batch.BlockTable(0).ToArray());
        Assert.Equal(1, batch.QueryLength(1));
        Assert.Equal(2, batch.NumLogitRows);
    }

    [Fact]
    public void AddSequence_BlockTableTooShort_Throws()
    {
        var batch = new ForwardBatch(16, 4, 4);
        batch.Clear(blockSize: 4);
        Assert.Throws<ArgumentException>(() => batch.AddSequence([1, 2, 3], cachedLength: 4, blockTable: [0]));
    }
}
