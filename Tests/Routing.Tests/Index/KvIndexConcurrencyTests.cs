using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Routing.Index;
using static DynamoOrleans.Routing.Tests.Workers;

namespace DynamoOrleans.Routing.Tests.Index;

public sealed class KvIndexConcurrencyTests
{
    [Fact]
    public async Task Apply_OneConsumerPerWorkerWhileReadersQuery_EndsInTheSequentialState()
    {
        var index = new KvIndex(16);
        const int Writers = 4;
        const int EventsPerWriter = 2000;
        using var stop = new CancellationTokenSource();

        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var workers = Enumerable.Range(0, Writers).Select(Id).ToArray();
            var overlap = new int[Writers];
            var cached = new int[Writers];
            while (!stop.IsCancellationRequested)
            {
                index.FindOverlap(Hashes(1, 64), workers, overlap, cached);
                foreach (var depth in overlap)
                    Assert.InRange(depth, 0, 64);
            }
        })).ToArray();

        // Each writer stores block e, then removes block e − 32: at the end it holds the last 32.
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            long id = 0;
            for (var e = 1; e <= EventsPerWriter; e++)
            {
                Assert.Equal(KvApplyStatus.Applied, index.Apply(Id(w), new KvEvent.Stored(++id, null, [new StoredBlock((ulong)e, 0)])).Status);
                if (e > 32)
                    Assert.Equal(KvApplyStatus.Applied, index.Apply(Id(w), new KvEvent.Removed(++id, [(ulong)(e - 32)])).Status);
            }
        })).ToArray();

        await Task.WhenAll(writers);
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Equal(32, index.NumBlocks);
        for (var w = 0; w < Writers; w++)
        {
            Assert.Equal(32, index.CachedBlocks(Id(w)));
            Assert.Equal(32, index.FindOverlap(Hashes(EventsPerWriter - 31, 32))[Id(w)]);
        }
    }
}
