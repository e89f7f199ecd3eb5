using System.Diagnostics;
using DynamoOrleans.Cluster.Leases;
using DynamoOrleans.Cluster.Redis;
using DynamoOrleans.Cluster.Resp;
using DynamoOrleans.Cluster.Tests.Contracts;
using DynamoOrleans.Cluster.Tests.Fixtures;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cluster.Tests.Redis;

/// <summary>Redis dies and comes back empty (no persistence): the cluster pieces must heal on their own.</summary>
public sealed class RedisRestartTests
{
    private static readonly ClusterOptions s_options = new()
    {
        LeaseTtl = TimeSpan.FromSeconds(2),
        RenewInterval = TimeSpan.FromMilliseconds(300),
        WatchInterval = TimeSpan.FromMilliseconds(50),
        SubscribeBlock = TimeSpan.FromMilliseconds(200),
    };

    [RedisFact]
    public async Task Restart_LeaseKeeperReRegistersAndWatcherSeesWorkerAgain()
    {
        await using var server = await RedisServer.StartAsync();
        await using var silo = await RedisCluster.ConnectAsync(Endpoint(server), s_options);
        await using var gateway = await RedisCluster.ConnectAsync(Endpoint(server), s_options);
        var card = ClusterDirectoryContract.Card("node-1");
        await using var keeper = new LeaseKeeper(silo.Directory, card, s_options);
        await keeper.StartAsync();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var view = new System.Collections.Concurrent.ConcurrentDictionary<WorkerId, WorkerCard>();
        var watching = Task.Run(async () =>
        {
            await foreach (var change in gateway.Directory.WatchAsync(stop.Token))
            {
                if (change.Kind == MembershipChangeKind.Left)
                    view.TryRemove(change.Card.Id, out _);
                else
                    view[change.Card.Id] = change.Card;
            }
        });
        await EventuallyAsync(() => Task.FromResult(view.ContainsKey(card.Id)));

        await server.KillAsync();
        await server.RestartAsync();

        // The restarted Redis is empty; the next renewal puts the worker back. The watcher either never noticed
        // (the renewal came first) or saw it leave and join again: either way its view ends with the worker in.
        await EventuallyAsync(async () => (await TryListAsync(gateway.Directory)).Contains(card));
        await EventuallyAsync(() => Task.FromResult(view.TryGetValue(card.Id, out var seen) && seen == card));
        stop.Cancel();
        await watching;
        Assert.True(silo.Connection.ReconnectCount >= 1 && gateway.Connection.ReconnectCount >= 1);
    }

    [RedisFact]
    public async Task Restart_SubscriptionResumesAndSeesEventsPublishedAfter()
    {
        await using var server = await RedisServer.StartAsync();
        await using var silo = await RedisCluster.ConnectAsync(Endpoint(server), s_options);
        await using var gateway = await RedisCluster.ConnectAsync(Endpoint(server), s_options);
        var worker = new WorkerId("node-1", 0);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var events = gateway.Events.SubscribeAsync(KvStreamPosition.Beginning, stop.Token).GetAsyncEnumerator(stop.Token);
        await silo.Events.PublishAsync(worker, [new KvEvent.Cleared(1)]);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(1, events.Current.Event.EventId);

        await server.KillAsync();
        await server.RestartAsync();
        await EventuallyAsync(async () =>
        {
            try
            {
                await silo.Events.PublishAsync(worker, [new KvEvent.Cleared(2)]);
                return true;
            }
            catch (Exception ex) when (ex is RedisConnectionException or TimeoutException)
            {
                return false;
            }
        });

        Assert.True(await events.MoveNextAsync());
        Assert.Equal((worker, 2L), (events.Current.Worker, events.Current.Event.EventId));
    }

    [RedisFact]
    public async Task Register_WritesTheDocumentedKeysWithTheLeaseTtl()
    {
        await using var server = await RedisServer.StartAsync();
        await using var cluster = await RedisCluster.ConnectAsync(Endpoint(server), new ClusterOptions());
        await cluster.Directory.RegisterAsync(ClusterDirectoryContract.Card("n"));
        await cluster.Loads.PublishAsync(new WorkerId("n", 0), default);
        await cluster.Events.PublishAsync(new WorkerId("n", 0), [new KvEvent.Cleared(1)]);

        var redis = cluster.Connection;
        var leaseTtl = (await redis.ExecuteAsync(["PTTL", "dynamo:worker:n/0"])).AsInt64();
        var loadTtl = (await redis.ExecuteAsync(["PTTL", "dynamo:load:n/0"])).AsInt64();
        var members = (await redis.ExecuteAsync(["SMEMBERS", "dynamo:workers"])).AsArray();
        var streamLength = (await redis.ExecuteAsync(["XLEN", "dynamo:kv"])).AsInt64();

        Assert.InRange(leaseTtl, 9_000, 10_000);
        Assert.InRange(loadTtl, 9_000, 10_000);
        Assert.Equal("n/0", Assert.Single(members).AsString());
        Assert.Equal(1, streamLength);
    }

    private static RedisConnectionOptions Endpoint(RedisServer server) => new()
    {
        Port = server.Port,
        CommandTimeout = TimeSpan.FromSeconds(2),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(200),
    };

    private static async Task<IReadOnlyList<WorkerCard>> TryListAsync(IClusterDirectory directory)
    {
        try
        {
            return await directory.ListAsync();
        }
        catch (Exception ex) when (ex is RedisConnectionException or TimeoutException)
        {
            return [];
        }
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the cluster did not heal within 20 s");
            await Task.Delay(25);
        }
    }
}
