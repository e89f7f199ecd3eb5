using DynamoOrleans.Cluster.Redis;
using DynamoOrleans.Cluster.Tests.Fixtures;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cluster.Tests.Contracts;

public sealed class RedisClusterDirectoryTests(RedisServerFixture redis) : ClusterDirectoryContract, IClassFixture<RedisServerFixture>
{
    protected override ContractClock Clock { get; } = new RealContractClock();

    protected override TimeProvider Time => TimeProvider.System;

    protected override TimeSpan LeaseTtl => TimeSpan.FromSeconds(3);

    protected override IClusterDirectory CreateDirectory() => new RedisClusterDirectory(redis.Connection, Options);
}

public sealed class RedisKvEventBusTests(RedisServerFixture redis) : KvEventBusContract, IClassFixture<RedisServerFixture>
{
    protected override IKvEventBus CreateBus(int maxLength = 100_000) => new RedisKvEventBus(redis.Connection, new ClusterOptions
    {
        KvStreamMaxLength = maxLength,
        KeyPrefix = "kv" + Guid.NewGuid().ToString("N")[..8],
        SubscribeBlock = TimeSpan.FromMilliseconds(200),
    });
}

public sealed class RedisLoadBoardTests(RedisServerFixture redis) : LoadBoardContract, IClassFixture<RedisServerFixture>
{
    protected override ContractClock Clock { get; } = new RealContractClock();

    protected override TimeSpan LeaseTtl => TimeSpan.FromSeconds(3);

    protected override ILoadBoard CreateBoard() => new RedisLoadBoard(redis.Connection, Options);
}

public sealed class RedisModelFileStoreTests(RedisServerFixture redis) : ModelFileStoreContract, IClassFixture<RedisServerFixture>
{
    protected override IModelFileStore CreateStore() => new RedisModelFileStore(redis.Connection, new ClusterOptions { KeyPrefix = "files" + Guid.NewGuid().ToString("N")[..8] });
}
