using DynamoOrleans.Cluster.Tests.Fixtures;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cluster.Tests.Contracts;

/// <summary>What every <see cref="ILoadBoard"/> does, run against the in-memory and the Redis one.</summary>
public abstract class LoadBoardContract
{
    private ClusterOptions? _options;

    protected ClusterOptions Options => _options ??= new()
    {
        LeaseTtl = LeaseTtl,
        RenewInterval = LeaseTtl * 0.4,
        KeyPrefix = "load" + Guid.NewGuid().ToString("N")[..8],
    };

    /// <summary>1 s on the contract clock; the real clock (Redis) takes longer, so that a loaded runner's pauses stay
    /// well inside a lease.</summary>
    protected virtual TimeSpan LeaseTtl => TimeSpan.FromSeconds(1);

    protected abstract ContractClock Clock { get; }

    protected abstract ILoadBoard CreateBoard();

    private static readonly WorkerId A = new("a", 0);
    private static readonly WorkerId B = new("b", 1);

    [RedisFact]
    public async Task Publish_ThenRead_ReturnsLatestSnapshotPerWorker()
    {
        var board = CreateBoard();
        await board.PublishAsync(A, new EngineLoad(1, 2, 3, 100, 0.25, 512, 7));
        await board.PublishAsync(A, new EngineLoad(4, 0, 9, 100, 0.5, 0, 12));

        var loads = await board.ReadAsync([A, B]);

        Assert.Equal(new EngineLoad(4, 0, 9, 100, 0.5, 0, 12), loads[A]);
        Assert.False(loads.ContainsKey(B));
    }

    [RedisFact]
    public async Task Snapshot_NotRefreshed_ExpiresWithTheLeaseTtl()
    {
        var board = CreateBoard();
        await board.PublishAsync(A, new EngineLoad(1, 0, 0, 10, 0, 0, 0));

        await Clock.EventuallyAsync(async () => (await board.ReadAsync([A])).Count == 0, TimeSpan.FromMilliseconds(100), "load expiry");
    }
}
