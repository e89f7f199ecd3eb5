using DynamoOrleans.Cluster.Serialization;
using DynamoOrleans.Cluster.Tests.Fixtures;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cluster.Tests.Contracts;

/// <summary>What every <see cref="IKvEventBus"/> does, run against the in-memory and the Redis one.</summary>
public abstract class KvEventBusContract
{
    protected static readonly WorkerId A = new("node-a", 0);
    protected static readonly WorkerId B = new("node-b", 3);

    protected abstract IKvEventBus CreateBus(int maxLength = 100_000);

    protected static KvEvent Stored(long id, ulong? parent = null) =>
        new KvEvent.Stored(id, parent, [new StoredBlock((ulong)id * 1000, (ulong)id), new StoredBlock(ulong.MaxValue, 0)]);

    [RedisFact]
    public async Task Subscribe_FromBeginning_SeesEveryWorkersEventsInOrder()
    {
        var bus = CreateBus();
        await bus.PublishAsync(A, [Stored(1), new KvEvent.Removed(2, [1000, 7])]);
        await bus.PublishAsync(B, [Stored(1, parent: 99)]);
        await bus.PublishAsync(A, [new KvEvent.Cleared(3)]);
        await bus.PublishAsync(B, [Stored(2, parent: 1000), new KvEvent.Removed(3, [])]);

        var seen = await TakeAsync(bus, KvStreamPosition.Beginning, 6);

        Assert.Equal([(A, 1L), (A, 2L), (B, 1L), (A, 3L), (B, 2L), (B, 3L)], seen.Select(e => (e.Worker, e.Event.EventId)));
        Assert.Equal(KvEventCodec.ToArray(new KvEvent.Removed(2, [1000, 7])), KvEventCodec.ToArray(seen[1].Event));
        Assert.Equal(KvEventCodec.ToArray(Stored(1, parent: 99)), KvEventCodec.ToArray(seen[2].Event));
        Assert.True(seen.Zip(seen.Skip(1)).All(pair => pair.First.Position < pair.Second.Position), "positions rise");
    }

    [RedisFact]
    public async Task Subscribe_AfterPosition_StartsWithTheNextEvent()
    {
        var bus = CreateBus();
        await bus.PublishAsync(A, [Stored(1), Stored(2), Stored(3), Stored(4)]);
        var all = await TakeAsync(bus, KvStreamPosition.Beginning, 4);

        var rest = await TakeAsync(bus, all[1].Position, 2);

        Assert.Equal([3L, 4L], rest.Select(e => e.Event.EventId));
        Assert.Equal(all[2].Position, rest[0].Position);
    }

    [RedisFact]
    public async Task Subscribe_FromEnd_SeesOnlyNewEvents()
    {
        var bus = CreateBus();
        await bus.PublishAsync(A, [Stored(1), Stored(2)]);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await using var events = bus.SubscribeAsync(KvStreamPosition.End, stop.Token).GetAsyncEnumerator(stop.Token);

        // The subscription pins "the end" when it starts, which may be after a few of these: keep publishing until one arrives.
        var next = events.MoveNextAsync().AsTask();
        for (var id = 10L; !next.IsCompleted; id++)
        {
            await bus.PublishAsync(A, [Stored(id)]);
            await Task.WhenAny(next, Task.Delay(50, stop.Token));
        }

        Assert.True(await next);
        Assert.True(events.Current.Event.EventId >= 10, $"got old event {events.Current.Event.EventId}");
    }

    [RedisFact]
    public async Task Publish_PastMaxLength_TrimsOldestAndKeepsNewest()
    {
        var bus = CreateBus(maxLength: 100);
        for (var batch = 0; batch < 10; batch++)
            await bus.PublishAsync(A, [.. Enumerable.Range(batch * 100 + 1, 100).Select(id => Stored(id))]);

        var kept = new List<KvEventEnvelope>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await foreach (var envelope in bus.SubscribeAsync(KvStreamPosition.Beginning, stop.Token))
        {
            kept.Add(envelope);
            if (envelope.Event.EventId == 1000)
                break;
        }

        Assert.InRange(kept.Count, 100, 300);
        Assert.Equal(Enumerable.Range(1001 - kept.Count, kept.Count).Select(i => (long)i), kept.Select(e => e.Event.EventId));
    }

    [RedisFact]
    public async Task TwoSubscribers_BothSeeEverything()
    {
        var bus = CreateBus();
        await bus.PublishAsync(A, [Stored(1)]);
        await bus.PublishAsync(B, [Stored(1), Stored(2)]);

        var first = TakeAsync(bus, KvStreamPosition.Beginning, 3);
        var second = TakeAsync(bus, KvStreamPosition.Beginning, 3);

        Assert.Equal((await first).Select(e => e.Position), (await second).Select(e => e.Position));
    }

    protected static async Task<List<KvEventEnvelope>> TakeAsync(IKvEventBus bus, KvStreamPosition after, int count)
    {
        var taken = new List<KvEventEnvelope>(count);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await foreach (var envelope in bus.SubscribeAsync(after, stop.Token))
        {
            taken.Add(envelope);
            if (taken.Count == count)
                break;
        }
        Assert.Equal(count, taken.Count);
        return taken;
    }
}
