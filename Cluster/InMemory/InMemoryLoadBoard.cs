using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cluster.InMemory;

/// <summary>Load snapshots in a dictionary; each lives one lease TTL, like the Redis keys.</summary>
public sealed class InMemoryLoadBoard : ILoadBoard
{
    private readonly Lock _lock = new();
    private readonly Dictionary<WorkerId, (EngineLoad Load, DateTimeOffset ExpiresAt)> _loads = [];
    private readonly TimeSpan _ttl;
    private readonly TimeProvider _time;

    public InMemoryLoadBoard(ClusterOptions options, TimeProvider? time = null)
    {
        options.Validate();
        _ttl = options.LeaseTtl;
        _time = time ?? TimeProvider.System;
    }

    public ValueTask PublishAsync(WorkerId worker, EngineLoad load, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
            _loads[worker] = (load, _time.GetUtcNow() + _ttl);
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyDictionary<WorkerId, EngineLoad>> ReadAsync(IReadOnlyList<WorkerId> workers, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = _time.GetUtcNow();
        var result = new Dictionary<WorkerId, EngineLoad>(workers.Count);
        lock (_lock)
        {
            foreach (var worker in workers)
            {
                if (_loads.TryGetValue(worker, out var entry) && entry.ExpiresAt > now)
                    result[worker] = entry.Load;
            }
        }
        return ValueTask.FromResult<IReadOnlyDictionary<WorkerId, EngineLoad>>(result);
    }
}
