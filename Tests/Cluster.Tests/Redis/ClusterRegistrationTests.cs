using DynamoOrleans.Cluster.InMemory;
using DynamoOrleans.Cluster.Redis;
using DynamoOrleans.Cluster.Resp;
using DynamoOrleans.Cluster.Tests.Contracts;
using DynamoOrleans.Cluster.Tests.Fixtures;
using DynamoOrleans.Grains.Interfaces.Cluster;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoOrleans.Cluster.Tests.Redis;

public sealed class ClusterRegistrationTests
{
    [Fact]
    public void AddInMemoryCluster_ResolvesInMemoryPieces()
    {
        using var services = new ServiceCollection().AddInMemoryCluster().BuildServiceProvider();

        Assert.IsType<InMemoryClusterDirectory>(services.GetRequiredService<IClusterDirectory>());
        Assert.IsType<InMemoryKvEventBus>(services.GetRequiredService<IKvEventBus>());
        Assert.IsType<InMemoryLoadBoard>(services.GetRequiredService<ILoadBoard>());
    }

    [Fact]
    public void AddInMemoryCluster_RenewNotShorterThanTtl_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServiceCollection().AddInMemoryCluster(o => o.RenewInterval = o.LeaseTtl));
    }

    [RedisFact]
    public async Task AddRedisCluster_StartedBeforeRedis_WorksOnceRedisIsUp()
    {
        await using var server = await RedisServer.StartAsync();
        await server.KillAsync();
        await using var services = new ServiceCollection()
            .AddRedisCluster(r => { r.Port = server.Port; r.CommandTimeout = TimeSpan.FromSeconds(10); r.MaxReconnectDelay = TimeSpan.FromMilliseconds(100); })
            .BuildServiceProvider();
        var directory = services.GetRequiredService<IClusterDirectory>();
        Assert.IsType<RedisClusterDirectory>(directory);

        await server.RestartAsync();
        await directory.RegisterAsync(ClusterDirectoryContract.Card("late"));

        Assert.Single(await directory.ListAsync());
        Assert.True(services.GetRequiredService<RedisConnection>().IsConnected);
    }
}
