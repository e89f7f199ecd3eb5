using System.Globalization;
using DynamoOrleans.Cluster;
using DynamoOrleans.Cluster.Tests.Fixtures;
using DynamoOrleans.Engine.Models.Demo;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway;
using DynamoOrleans.Grains.Hosting;
using DynamoOrleans.Grains.Requests;
using DynamoOrleans.Grains.Tests.Fixtures;
using DynamoOrleans.Grains.Worker;
using DynamoOrleans.Routing;

namespace DynamoOrleans.Grains.Tests.Hosting;

/// <summary>A silo with several workers (one per GPU in production; CPU workers here) registers each on its own.</summary>
public sealed class SiloNodeTests
{
    private static readonly ClusterOptions FastCluster = new() { WatchInterval = TimeSpan.FromMilliseconds(100) };

    [RedisFact]
    public async Task StartAsync_TwoWorkers_EachRegistersWithItsOwnIdAndAddress()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var node = await SiloNode.StartAsync(Options(redis), [null, null]);
        await using var gateway = await ClusterGatewayHost.StartAsync(new ClusterGatewayHostOptions
        {
            Redis = Endpoint(redis),
            ModelFolder = DemoModel.EnsureFolder(),
            Gateway = new GatewayOptions { Host = "127.0.0.1", Port = 0 },
            Routing = new RoutedEngineClientOptions { Router = new KvRouterOptions { Mode = "kv" } },
            Worker = new RemoteEngineClientOptions { LoadPollInterval = TimeSpan.FromMilliseconds(200) },
            Cluster = FastCluster,
            FirstWorkerTimeout = TimeSpan.FromSeconds(10),
        });

        await DemoEngine.WaitUntilAsync(() => gateway.Engine.NumWorkers == 2, "both workers of the node in the gateway");
        var ids = gateway.Engine.GetWorkers().Select(w => w.Id.ToString()).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["node-a/0", "node-a/1"], ids);
        Assert.NotEqual(node.Workers[0].Card.Address, node.Workers[1].Card.Address);

        await node.StopAsync(TimeSpan.FromSeconds(5));
        await DemoEngine.WaitUntilAsync(() => gateway.Engine.NumWorkers == 0, "both workers deregistered after the drain");
    }

    [Fact]
    public async Task StartAsync_SameGpuTwice_Refused()
    {
        var options = new SiloHostOptions { Redis = "127.0.0.1:1", ModelFolder = "unused" };
        var error = await Assert.ThrowsAsync<ArgumentException>(() => SiloNode.StartAsync(options, [0, 0]));
        Assert.Contains("GPU 0 is listed twice", error.Message, StringComparison.Ordinal);
    }

    private static SiloHostOptions Options(RedisServer redis) => new()
    {
        Redis = Endpoint(redis),
        ModelFolder = DemoModel.EnsureFolder(),
        Node = "node-a",
        Port = 0,
        Engine = new EngineOptions { ModelName = "demo", Seed = 1 },
        Cluster = FastCluster,
        LoadInterval = TimeSpan.FromMilliseconds(200),
    };

    private static string Endpoint(RedisServer redis) => "127.0.0.1:" + redis.Port.ToString(CultureInfo.InvariantCulture);
}
