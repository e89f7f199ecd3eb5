using DynamoOrleans.Cluster.Resp;

namespace DynamoOrleans.Cluster.Redis;

/// <summary>
/// Awaits pipelined commands. Every reply is awaited even after one fails, because an awaited reply is what
/// returns its completion to the pool; the first failure is rethrown.
/// </summary>
internal static class RedisBatch
{
    public static async ValueTask WhenAllAsync(ValueTask<RespValue> first, ValueTask<RespValue> second)
    {
        Exception? failure = null;
        try { await first.ConfigureAwait(false); } catch (Exception ex) { failure = ex; }
        try { await second.ConfigureAwait(false); } catch (Exception ex) { failure ??= ex; }
        if (failure is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }

    public static async ValueTask WhenAllAsync(ValueTask<RespValue>[] replies, int count)
    {
        Exception? failure = null;
        for (var i = 0; i < count; i++)
        {
            try { await replies[i].ConfigureAwait(false); } catch (Exception ex) { failure ??= ex; }
        }
        if (failure is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }
}
