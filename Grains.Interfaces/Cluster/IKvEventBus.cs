using DynamoOrleans.Engine.Kv;

namespace DynamoOrleans.Grains.Interfaces.Cluster;

/// <summary>
/// Carries every worker's KV events to every gateway, in each worker's order. Old entries are trimmed, so a
/// subscriber far behind (or starting from <see cref="KvStreamPosition.Beginning"/>) may miss some: the per-worker
/// <see cref="KvEvent.EventId"/> shows the gap, and the gateway re-reads that worker's index.
/// </summary>
public interface IKvEventBus
{
    /// <summary>Appends <paramref name="events"/> (already in the worker's order) for <paramref name="worker"/>.</summary>
    ValueTask PublishAsync(WorkerId worker, IReadOnlyList<KvEvent> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every event after <paramref name="after"/> (exclusive), then new ones as they come, until cancelled.
    /// <see cref="KvStreamPosition.End"/> means only events published from now on.
    /// </summary>
    IAsyncEnumerable<KvEventEnvelope> SubscribeAsync(KvStreamPosition after, CancellationToken cancellationToken = default);
}

/// <summary>One event as delivered: whose it is and where it sits in the bus, to resume after it.</summary>
public readonly record struct KvEventEnvelope(WorkerId Worker, KvEvent Event, KvStreamPosition Position);
