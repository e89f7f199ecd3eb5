using DynamoOrleans.Cluster.InMemory;
using DynamoOrleans.Cluster.Publishing;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cluster.Tests.Publishing;

public sealed class KvEventPublisherTests
{
    private static readonly WorkerId s_worker = new("n", 0);

    [Fact]
    public async Task Publish_ManyEvents_ArriveInOrderAfterDispose()
    {
        var bus = new InMemoryKvEventBus(new ClusterOptions());
        var publisher = new KvEventPublisher(bus, s_worker);

        for (var id = 1; id <= 2000; id++)
            publisher.Publish(new KvEvent.Cleared(id));
        await publisher.DisposeAsync();

        var ids = new List<long>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var envelope in bus.SubscribeAsync(KvStreamPosition.Beginning, stop.Token))
        {
            ids.Add(envelope.Event.EventId);
            if (ids.Count == 2000)
                break;
        }
        Assert.Equal(Enumerable.Range(1, 2000).Select(i => (long)i), ids);
        Assert.Equal(2000, publisher.Published);
    }

    [Fact]
    public async Task Publish_BusFails_DropsBatchAndCountsIt()
    {
        var publisher = new KvEventPublisher(new FailingBus(), s_worker);

        publisher.Publish(new KvEvent.Cleared(1));
        publisher.Publish(new KvEvent.Cleared(2));
        await publisher.DisposeAsync();

        Assert.Equal(2, publisher.Dropped);
        Assert.Equal(0, publisher.Published);
    }

    private sealed class FailingBus : IKvEventBus
    {
        public ValueTask PublishAsync(WorkerId worker, IReadOnlyList<KvEvent> events, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(new InvalidOperationException("down"));

        public IAsyncEnumerable<KvEventEnvelope> SubscribeAsync(KvStreamPosition after, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }
}
