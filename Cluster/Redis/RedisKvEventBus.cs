using System.Buffers;
using System.Runtime.CompilerServices;
using DynamoOrleans.Cluster.Resp;
using DynamoOrleans.Cluster.Serialization;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Grains.Interfaces.Cluster;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoOrleans.Cluster.Redis;

/// <summary>
/// One shared Redis stream for all workers' KV events: a gateway follows the whole cluster with one XREAD, and
/// a worker's events keep their order because one worker publishes them in order over one pipelined connection.
/// Each XADD trims with <c>MAXLEN ~</c>. Each subscription blocks on a connection of its own.
/// </summary>
public sealed class RedisKvEventBus : IKvEventBus
{
    private readonly RedisConnection _redis;
    private readonly ClusterOptions _options;
    private readonly RedisKeys _keys;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public RedisKvEventBus(RedisConnection redis, ClusterOptions options, TimeProvider? time = null, ILogger<RedisKvEventBus>? logger = null)
    {
        options.Validate();
        _redis = redis;
        _options = options;
        _keys = new RedisKeys(options.KeyPrefix);
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public async ValueTask PublishAsync(WorkerId worker, IReadOnlyList<KvEvent> events, CancellationToken cancellationToken = default)
    {
        if (events.Count == 0)
            return;
        var id = worker.ToString();
        var replies = ArrayPool<ValueTask<RespValue>>.Shared.Rent(events.Count);
        var sent = 0;
        try
        {
            // All XADDs are queued before the first reply is awaited: one round trip for the batch.
            for (; sent < events.Count; sent++)
            {
                var buffer = KvEventCodec.Rent(events[sent], out var length);
                try
                {
                    replies[sent] = _redis.ExecuteAsync(
                        ["XADD", _keys.KvEvents, "MAXLEN", "~", _options.KvStreamMaxLength, "*", "w", id, "e", buffer.AsMemory(0, length)],
                        cancellationToken);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        finally
        {
            await RedisBatch.WhenAllAsync(replies, sent).ConfigureAwait(false);
            Array.Clear(replies, 0, sent);
            ArrayPool<ValueTask<RespValue>>.Shared.Return(replies);
        }
    }

    public async IAsyncEnumerable<KvEventEnvelope> SubscribeAsync(KvStreamPosition after, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var options = _redis.Options.Clone();
        // The reply to XREAD BLOCK comes after the block, so the timeout must outlast it.
        options.CommandTimeout += _options.SubscribeBlock;
        await using var blocking = await RedisConnection.ConnectAsync(options, _time, _logger, cancellationToken).ConfigureAwait(false);
        if (after == KvStreamPosition.End)
            after = await LastPositionAsync(blocking, cancellationToken).ConfigureAwait(false);
        var blockMs = (long)_options.SubscribeBlock.TotalMilliseconds;
        var backoff = options.MinReconnectDelay;
        while (!cancellationToken.IsCancellationRequested)
        {
            RespValue reply;
            try
            {
                reply = await blocking.ExecuteAsync(
                    ["XREAD", "COUNT", _options.SubscribeBatch, "BLOCK", blockMs, "STREAMS", _keys.KvEvents, after.ToString()],
                    cancellationToken).ConfigureAwait(false);
                backoff = options.MinReconnectDelay;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                yield break;
            }
            catch (Exception ex) when (ex is RedisConnectionException or TimeoutException or RedisServerException)
            {
                // The connection heals itself; resume after the last delivered entry, so nothing is repeated.
                ClusterLog.SubscribeFailed(_logger, ex.Message, after.ToString());
                if (!await DelayAsync(backoff, cancellationToken).ConfigureAwait(false))
                    yield break;
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.MaxReconnectDelay.Ticks));
                continue;
            }
            if (reply.IsNull)
                continue;
            foreach (var stream in reply.AsArray())
            {
                foreach (var entry in stream.AsArray()[1].AsArray())
                {
                    var item = entry.AsArray();
                    var position = KvStreamPosition.Parse(item[0].AsString());
                    after = position;
                    if (TryDecode(item[1].AsArray(), position, out var envelope))
                        yield return envelope;
                }
            }
        }
    }

    private bool TryDecode(RespValue[] fields, KvStreamPosition position, out KvEventEnvelope envelope)
    {
        envelope = default;
        string? worker = null;
        ReadOnlyMemory<byte> payload = default;
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            var name = fields[i].AsBytes().Span;
            if (name.SequenceEqual("w"u8))
                worker = fields[i + 1].AsString();
            else if (name.SequenceEqual("e"u8))
                payload = fields[i + 1].AsBytes();
        }
        try
        {
            if (worker is null || payload.IsEmpty)
                throw new FormatException("entry lacks the w or e field");
            envelope = new KvEventEnvelope(WorkerId.Parse(worker), KvEventCodec.Read(payload.Span), position);
            return true;
        }
        catch (FormatException ex)
        {
            // Skipping one entry makes a gap in that worker's event ids, which sends the gateway to re-read its index.
            ClusterLog.BadEvent(_logger, position.ToString(), ex.Message);
            return false;
        }
    }

    private async Task<KvStreamPosition> LastPositionAsync(RedisConnection connection, CancellationToken cancellationToken)
    {
        var last = (await connection.ExecuteAsync(["XREVRANGE", _keys.KvEvents, "+", "-", "COUNT", 1], cancellationToken).ConfigureAwait(false)).AsArray();
        return last.Length == 0 ? KvStreamPosition.Beginning : KvStreamPosition.Parse(last[0].AsArray()[0].AsString());
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
