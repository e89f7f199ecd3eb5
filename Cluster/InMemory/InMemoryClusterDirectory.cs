using DynamoOrleans.Grains.Interfaces.Cluster;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoOrleans.Cluster.InMemory;

/// <summary>
/// The directory of embedded mode and unit tests: leases in a dictionary, expiry read from the injected
/// <see cref="TimeProvider"/>, so a test moves time forward instead of sleeping.
/// </summary>
public sealed class InMemoryClusterDirectory : IClusterDirectory
{
    private readonly Lock _lock = new();
    private readonly Dictionary<WorkerId, (WorkerCard Card, DateTimeOffset ExpiresAt)> _leases = [];
    private readonly ClusterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public InMemoryClusterDirectory(ClusterOptions options, TimeProvider? time = null, ILogger<InMemoryClusterDirectory>? logger = null)
    {
        options.Validate();
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public TimeSpan LeaseTtl => _options.LeaseTtl;

    public ValueTask RegisterAsync(WorkerCard card, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
            _leases[card.Id] = (card, _time.GetUtcNow() + _options.LeaseTtl);
        return ValueTask.CompletedTask;
    }

    public ValueTask DeregisterAsync(WorkerId worker, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
            _leases.Remove(worker);
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<WorkerCard>> ListAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = _time.GetUtcNow();
        var live = new List<WorkerCard>();
        lock (_lock)
        {
            foreach (var (id, lease) in _leases)
            {
                if (lease.ExpiresAt > now)
                    live.Add(lease.Card);
            }
            // Expired leases are dropped here, lazily, as Redis drops expired keys on access.
            if (live.Count != _leases.Count)
                _leases.Keys.Where(id => _leases[id].ExpiresAt <= now).ToList().ForEach(id => _leases.Remove(id));
        }
        live.Sort(static (a, b) => string.CompareOrdinal(a.Id.ToString(), b.Id.ToString()));
        return ValueTask.FromResult<IReadOnlyList<WorkerCard>>(live);
    }

    public IAsyncEnumerable<MembershipChange> WatchAsync(CancellationToken cancellationToken = default) =>
        MembershipWatch.RunAsync(ListAsync, _options.WatchInterval, _time, _logger, cancellationToken);
}
