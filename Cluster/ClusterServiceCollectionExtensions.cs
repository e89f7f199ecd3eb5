using DynamoOrleans.Cluster.InMemory;
using DynamoOrleans.Cluster.Redis;
using DynamoOrleans.Cluster.Resp;
using DynamoOrleans.Grains.Interfaces.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoOrleans.Cluster;

/// <summary>Registers one implementation of the directory, KV event bus, load board and model file store, as singletons.</summary>
public static class ClusterServiceCollectionExtensions
{
    /// <summary>Embedded mode: everything in this process, nothing to connect to.</summary>
    public static IServiceCollection AddInMemoryCluster(this IServiceCollection services, Action<ClusterOptions>? configure = null)
    {
        var options = Configure(new ClusterOptions(), configure);
        services.AddSingleton(options);
        services.AddSingleton<IClusterDirectory>(sp => new InMemoryClusterDirectory(options, Time(sp), sp.GetService<ILogger<InMemoryClusterDirectory>>()));
        services.AddSingleton<IKvEventBus>(_ => new InMemoryKvEventBus(options));
        services.AddSingleton<ILoadBoard>(sp => new InMemoryLoadBoard(options, Time(sp)));
        services.AddSingleton<IModelFileStore>(_ => new InMemoryModelFileStore());
        return services;
    }

    /// <summary>
    /// Distributed mode: one shared multiplexed connection to Redis, opened in the background (the host starts even
    /// while Redis is down; commands wait for it up to the command timeout) and closed with the container.
    /// </summary>
    public static IServiceCollection AddRedisCluster(this IServiceCollection services, Action<RedisConnectionOptions> configureRedis, Action<ClusterOptions>? configure = null)
    {
        var redis = Configure(new RedisConnectionOptions(), configureRedis);
        redis.Validate();
        var options = Configure(new ClusterOptions(), configure);
        services.AddSingleton(options);
        services.AddSingleton(sp => RedisConnection.Create(redis, Time(sp), (ILogger?)sp.GetService<ILogger<RedisConnection>>() ?? NullLogger.Instance));
        services.AddSingleton<IClusterDirectory>(sp => new RedisClusterDirectory(sp.GetRequiredService<RedisConnection>(), options, Time(sp), sp.GetService<ILogger<RedisClusterDirectory>>()));
        services.AddSingleton<IKvEventBus>(sp => new RedisKvEventBus(sp.GetRequiredService<RedisConnection>(), options, Time(sp), sp.GetService<ILogger<RedisKvEventBus>>()));
        services.AddSingleton<ILoadBoard>(sp => new RedisLoadBoard(sp.GetRequiredService<RedisConnection>(), options));
        services.AddSingleton<IModelFileStore>(sp => new RedisModelFileStore(sp.GetRequiredService<RedisConnection>(), options));
        return services;
    }

    private static T Configure<T>(T options, Action<T>? configure)
    {
        configure?.Invoke(options);
        (options as ClusterOptions)?.Validate();
        return options;
    }

    private static TimeProvider Time(IServiceProvider services) => services.GetService<TimeProvider>() ?? TimeProvider.System;
}
