using System.Collections.Concurrent;
using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Grains.Worker;

namespace DynamoOrleans.Grains.Hosting;

/// <summary>
/// Decides whether a worker the directory reports gone is gone. A Redis that restarts comes back empty and every
/// lease disappears at once, though every silo is alive and re-registers at its next renewal (within one renewal
/// interval); dropping them all would answer 503 for seconds. So a departed worker that still answers its health
/// check and is not draining stays routed for one lease TTL, and is removed then unless its lease came back. A
/// worker that drains (SIGTERM) or does not answer (killed, unreachable) is removed at once.
/// </summary>
internal sealed class DepartureGrace(TimeSpan leaseTtl, TimeSpan probeTimeout)
{
    // Bumped on every join, so a removal scheduled before a re-join can tell it is stale.
    private readonly ConcurrentDictionary<WorkerId, long> _joins = new();

    public TimeSpan LeaseTtl { get; } = leaseTtl;

    public void Joined(WorkerId worker) => _joins.AddOrUpdate(worker, 1, static (_, n) => n + 1);

    public long JoinCount(WorkerId worker) => _joins.TryGetValue(worker, out var n) ? n : 0;

    public void Forget(WorkerId worker) => _joins.TryRemove(worker, out _);

    /// <summary>True when the worker answers within the probe timeout and is not draining.</summary>
    public async Task<bool> IsStillServingAsync(RemoteEngineClient client, CancellationToken cancellationToken)
    {
        using var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        probe.CancelAfter(probeTimeout);
        try
        {
            var health = await client.CheckHealthAsync(probe.Token).ConfigureAwait(false);
            return !health.IsDraining;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
