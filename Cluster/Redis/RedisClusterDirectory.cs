using DynamoOrleans.Cluster.Resp;
using DynamoOrleans.Cluster.Serialization;
using DynamoOrleans.Grains.Interfaces.Cluster;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoOrleans.Cluster.Redis;

/// <summary>
/// Leases as Redis keys with a TTL: Redis's own clock expires them, so no node's clock matters. A set indexes
/// the ids so listing needs no SCAN; ids whose key expired are pruned from it by a script that checks the key
/// again atomically, so a worker re-registering at that moment is never pruned.
/// </summary>
public sealed class RedisClusterDirectory : IClusterDirectory
{
    private const string PruneScript =
        "if redis.call('EXISTS', KEYS[1]) == 0 then return redis.call('SREM', KEYS[2], ARGV[1]) end return 0";

    private readonly RedisConnection _redis;
    private readonly ClusterOptions _options;
    private readonly RedisKeys _keys;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public RedisClusterDirectory(RedisConnection redis, ClusterOptions options, TimeProvider? time = null, ILogger<RedisClusterDirectory>? logger = null)
    {
        options.Validate();
        _redis = redis;
        _options = options;
        _keys = new RedisKeys(options.KeyPrefix);
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public TimeSpan LeaseTtl => _options.LeaseTtl;

    public async ValueTask RegisterAsync(WorkerCard card, CancellationToken cancellationToken = default)
    {
        var id = card.Id.ToString();
        var ttl = (long)_options.LeaseTtl.TotalMilliseconds;
        // Both go out in one write; the set entry without the key would only be pruned, the key without the set entry
        // would be invisible until the next renewal, so neither order can show a dead worker as live.
        var set = _redis.ExecuteAsync(["SET", _keys.Worker(id), WorkerCardCodec.ToUtf8(card), "PX", ttl], cancellationToken);
        var add = _redis.ExecuteAsync(["SADD", _keys.Workers, id], cancellationToken);
        await RedisBatch.WhenAllAsync(set, add).ConfigureAwait(false);
    }

    public async ValueTask DeregisterAsync(WorkerId worker, CancellationToken cancellationToken = default)
    {
        var del = _redis.ExecuteAsync(["DEL", _keys.Worker(worker), _keys.Load(worker)], cancellationToken);
        var rem = _redis.ExecuteAsync(["SREM", _keys.Workers, worker.ToString()], cancellationToken);
        await RedisBatch.WhenAllAsync(del, rem).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<WorkerCard>> ListAsync(CancellationToken cancellationToken = default)
    {
        var members = (await _redis.ExecuteAsync(["SMEMBERS", _keys.Workers], cancellationToken).ConfigureAwait(false)).AsArray();
        if (members.Length == 0)
            return [];
        var ids = new string[members.Length];
        var mget = new RespArg[members.Length + 1];
        mget[0] = "MGET";
        for (var i = 0; i < members.Length; i++)
        {
            ids[i] = members[i].AsString()!;
            mget[i + 1] = _keys.Worker(ids[i]);
        }
        var values = (await _redis.ExecuteAsync(mget, cancellationToken).ConfigureAwait(false)).AsArray();
        var live = new List<WorkerCard>(values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i].IsNull)
            {
                await _redis.ExecuteAsync(["EVAL", PruneScript, 2, _keys.Worker(ids[i]), _keys.Workers, ids[i]], cancellationToken).ConfigureAwait(false);
                continue;
            }
            try
            {
                live.Add(WorkerCardCodec.Read(values[i].AsBytes().Span));
            }
            catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or KeyNotFoundException or ArgumentException)
            {
                // A card this build cannot read (a newer version) is not a worker it can route to.
                ClusterLog.BadCard(_logger, ids[i], ex.Message);
            }
        }
        live.Sort(static (a, b) => string.CompareOrdinal(a.Id.ToString(), b.Id.ToString()));
        return live;
    }

    public IAsyncEnumerable<MembershipChange> WatchAsync(CancellationToken cancellationToken = default) =>
        MembershipWatch.RunAsync(ListAsync, _options.WatchInterval, _time, _logger, cancellationToken);
}
