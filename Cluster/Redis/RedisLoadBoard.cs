using System.Buffers;
using DynamoOrleans.Cluster.Resp;
using DynamoOrleans.Cluster.Serialization;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cluster.Redis;

/// <summary>One small key per worker with the lease TTL, so a dead worker's load disappears with its lease.</summary>
public sealed class RedisLoadBoard : ILoadBoard
{
    private readonly RedisConnection _redis;
    private readonly RedisKeys _keys;
    private readonly long _ttlMs;

    public RedisLoadBoard(RedisConnection redis, ClusterOptions options)
    {
        options.Validate();
        _redis = redis;
        _keys = new RedisKeys(options.KeyPrefix);
        _ttlMs = (long)options.LeaseTtl.TotalMilliseconds;
    }

    public async ValueTask PublishAsync(WorkerId worker, EngineLoad load, CancellationToken cancellationToken = default)
    {
        // The command is encoded before ExecuteAsync returns, so the buffer goes back to the pool before the reply.
        var buffer = ArrayPool<byte>.Shared.Rent(EngineLoadCodec.Size);
        ValueTask<RespValue> reply;
        try
        {
            EngineLoadCodec.Write(load, buffer);
            reply = _redis.ExecuteAsync(["SET", _keys.Load(worker), buffer.AsMemory(0, EngineLoadCodec.Size), "PX", _ttlMs], cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        await reply.ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyDictionary<WorkerId, EngineLoad>> ReadAsync(IReadOnlyList<WorkerId> workers, CancellationToken cancellationToken = default)
    {
        if (workers.Count == 0)
            return new Dictionary<WorkerId, EngineLoad>();
        var mget = new RespArg[workers.Count + 1];
        mget[0] = "MGET";
        for (var i = 0; i < workers.Count; i++)
            mget[i + 1] = _keys.Load(workers[i]);
        var values = (await _redis.ExecuteAsync(mget, cancellationToken).ConfigureAwait(false)).AsArray();
        var result = new Dictionary<WorkerId, EngineLoad>(workers.Count);
        for (var i = 0; i < values.Length && i < workers.Count; i++)
        {
            if (!values[i].IsNull)
                result[workers[i]] = EngineLoadCodec.Read(values[i].AsBytes().Span);
        }
        return result;
    }
}
