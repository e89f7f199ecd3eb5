using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Grains.Interfaces.Cluster;

/// <summary>
/// Each worker's latest <see cref="EngineLoad"/>, for routers and the dashboard. A snapshot lives one lease TTL,
/// so a dead worker's load vanishes with its lease.
/// </summary>
public interface ILoadBoard
{
    ValueTask PublishAsync(WorkerId worker, EngineLoad load, CancellationToken cancellationToken = default);

    /// <summary>The live snapshots of <paramref name="workers"/> (from the directory); workers with none are absent.</summary>
    ValueTask<IReadOnlyDictionary<WorkerId, EngineLoad>> ReadAsync(IReadOnlyList<WorkerId> workers, CancellationToken cancellationToken = default);
}
