using DynamoOrleans.Cluster.Resp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoOrleans.Cluster.Redis;

/// <summary>
/// The Redis-backed cluster pieces over one shared multiplexed connection: what a Silo or Gateway opens at start.
/// KV subscriptions open their own blocking connection each.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    private RedisCluster(RedisConnection connection, ClusterOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        Connection = connection;
        Directory = new RedisClusterDirectory(connection, options, time, loggers.CreateLogger<RedisClusterDirectory>());
        Events = new RedisKvEventBus(connection, options, time, loggers.CreateLogger<RedisKvEventBus>());
        Loads = new RedisLoadBoard(connection, options);
        Files = new RedisModelFileStore(connection, options);
    }

    public RedisConnection Connection { get; }

    public RedisClusterDirectory Directory { get; }

    public RedisKvEventBus Events { get; }

    public RedisLoadBoard Loads { get; }

    /// <summary>Each model's tokenizer and chat template files, which silos publish and gateways fetch.</summary>
    public RedisModelFileStore Files { get; }

    public static async Task<RedisCluster> ConnectAsync(
        RedisConnectionOptions redis, ClusterOptions options, TimeProvider? time = null, ILoggerFactory? loggers = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        loggers ??= NullLoggerFactory.Instance;
        time ??= TimeProvider.System;
        var connection = await RedisConnection.ConnectAsync(redis, time, loggers.CreateLogger<RedisConnection>(), cancellationToken).ConfigureAwait(false);
        return new RedisCluster(connection, options, time, loggers);
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
