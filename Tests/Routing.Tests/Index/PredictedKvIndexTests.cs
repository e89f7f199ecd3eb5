using DynamoOrleans.Routing.Index;
using static DynamoOrleans.Routing.Tests.Workers;

namespace DynamoOrleans.Routing.Tests.Index;

public sealed class PredictedKvIndexTests
{
    [Fact]
    public void OnRouted_BlocksCountAsOverlapUntilTheTtlPasses()
    {
        var clock = new ManualClock();
        var index = new PredictedKvIndex(16, TimeSpan.FromSeconds(10), clock);
        index.OnRouted(Id(0), [1, 2, 3]);

        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(3, index.FindOverlap([1, 2, 3])[Id(0)]);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(index.FindOverlap([1, 2, 3]));
        Assert.Equal(0, index.NumBlocks);
    }

    [Fact]
    public void OnRouted_AgainBeforeExpiry_ExtendsOnlyTheBlocksRoutedAgain()
    {
        var clock = new ManualClock();
        var index = new PredictedKvIndex(16, TimeSpan.FromSeconds(10), clock);
        index.OnRouted(Id(0), [1, 2, 3]);
        clock.Advance(TimeSpan.FromSeconds(6));
        index.OnRouted(Id(0), [1, 2]);

        clock.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal(2, index.FindOverlap([1, 2, 3])[Id(0)]);
        Assert.Equal(2, index.NumBlocks);
    }

    [Fact]
    public void OnRouted_AgainWithMoreThanHalfTheTtlLeft_KeepsTheFirstDeadline()
    {
        var clock = new ManualClock();
        var index = new PredictedKvIndex(16, TimeSpan.FromSeconds(10), clock);
        index.OnRouted(Id(0), [1, 2]);
        clock.Advance(TimeSpan.FromSeconds(3));
        index.OnRouted(Id(0), [1, 2]);

        clock.Advance(TimeSpan.FromSeconds(7));

        Assert.Empty(index.FindOverlap([1, 2]));
    }

    [Fact]
    public void Expiry_IsPerWorker()
    {
        var clock = new ManualClock();
        var index = new PredictedKvIndex(16, TimeSpan.FromSeconds(10), clock);
        index.OnRouted(Id(0), [1, 2]);
        clock.Advance(TimeSpan.FromSeconds(5));
        index.OnRouted(Id(1), [1, 2]);
        clock.Advance(TimeSpan.FromSeconds(5));

        var overlap = index.FindOverlap([1, 2]);

        Assert.False(overlap.ContainsKey(Id(0)));
        Assert.Equal(2, overlap[Id(1)]);
    }

    [Fact]
    public void RemoveWorker_ForgetsItsPredictionsAtOnce()
    {
        var clock = new ManualClock();
        var index = new PredictedKvIndex(16, TimeSpan.FromSeconds(10), clock);
        index.OnRouted(Id(0), [1, 2]);

        Assert.True(index.RemoveWorker(Id(0)));
        Assert.Empty(index.FindOverlap([1, 2]));

        index.OnRouted(Id(0), [1]);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(index.FindOverlap([1, 2]));
    }
}
