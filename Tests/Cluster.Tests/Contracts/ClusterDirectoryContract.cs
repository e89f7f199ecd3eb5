using DynamoOrleans.Cluster.Leases;
using DynamoOrleans.Cluster.Tests.Fixtures;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cluster.Tests.Contracts;

/// <summary>What every <see cref="IClusterDirectory"/> does, run against the in-memory and the Redis one.</summary>
public abstract class ClusterDirectoryContract
{
    private ClusterOptions? _options;

    protected ClusterOptions Options => _options ??= new()
    {
        LeaseTtl = LeaseTtl,
        RenewInterval = LeaseTtl * 0.4,
        WatchInterval = TimeSpan.FromMilliseconds(50),
        KeyPrefix = "dir" + Guid.NewGuid().ToString("N")[..8],
    };

    /// <summary>1 s on the contract clock; the real clock (Redis) takes longer, so that a loaded runner's pauses stay
    /// well inside a lease.</summary>
    protected virtual TimeSpan LeaseTtl => TimeSpan.FromSeconds(1);

    protected abstract ContractClock Clock { get; }

    protected abstract TimeProvider Time { get; }

    protected abstract IClusterDirectory CreateDirectory();

    internal static WorkerCard Card(string node, int gpu = 0, WorkerRole role = WorkerRole.Aggregated) =>
        new(new WorkerId(node, gpu), "demo", "abc123", 16, 4096, 1000, role, $"http://{node}:9100");

    [RedisFact]
    public async Task Register_ThenList_ShowsCardsById()
    {
        var directory = CreateDirectory();

        await directory.RegisterAsync(Card("b"));
        await directory.RegisterAsync(Card("a", 1));
        await directory.RegisterAsync(Card("b"));

        Assert.Equal([Card("a", 1), Card("b")], await directory.ListAsync());
    }

    [RedisFact]
    public async Task Register_ChangedCard_ReplacesOldOne()
    {
        var directory = CreateDirectory();

        await directory.RegisterAsync(Card("a"));
        await directory.RegisterAsync(Card("a", role: WorkerRole.Decode));

        Assert.Equal([Card("a", role: WorkerRole.Decode)], await directory.ListAsync());
    }

    [RedisFact]
    public async Task Lease_NotRenewed_ExpiresAfterTtl()
    {
        var directory = CreateDirectory();
        await directory.RegisterAsync(Card("a"));

        await Clock.ElapseAsync(Options.LeaseTtl / 2);
        Assert.Single(await directory.ListAsync());

        await Clock.EventuallyAsync(async () => (await directory.ListAsync()).Count == 0, TimeSpan.FromMilliseconds(100), "lease expiry");
    }

    [RedisFact]
    public async Task Lease_Renewed_OutlivesItsFirstTtl()
    {
        var directory = CreateDirectory();
        await directory.RegisterAsync(Card("a"));

        // Renewed every 0.35 TTL and checked 1.2 TTL after the first registration: past the first lease, and 0.65 TTL
        // of slack before any renewal's lease ends, for a loaded runner on the real clock (Redis).
        for (var renewal = 0; renewal < 3; renewal++)
        {
            await Clock.ElapseAsync(Options.LeaseTtl * 0.35);
            await directory.RegisterAsync(Card("a"));
        }
        await Clock.ElapseAsync(Options.LeaseTtl * 0.15);

        Assert.Single(await directory.ListAsync());
    }

    [RedisFact]
    public async Task Deregister_RemovesAtOnce()
    {
        var directory = CreateDirectory();
        await directory.RegisterAsync(Card("a"));
        await directory.RegisterAsync(Card("b"));

        await directory.DeregisterAsync(new WorkerId("a", 0));

        Assert.Equal([Card("b")], await directory.ListAsync());
    }

    [RedisFact]
    public async Task Watch_ReportsSnapshotThenJoinsLeavesAndUpdates()
    {
        var directory = CreateDirectory();
        using var stop = new CancellationTokenSource();
        await directory.RegisterAsync(Card("a"));
        await directory.RegisterAsync(Card("b"));
        await using var changes = directory.WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        var step = Options.WatchInterval;

        Assert.Equal(new MembershipChange(MembershipChangeKind.Joined, Card("a")), await Clock.NextAsync(changes, step));
        Assert.Equal(new MembershipChange(MembershipChangeKind.Joined, Card("b")), await Clock.NextAsync(changes, step));

        await directory.DeregisterAsync(new WorkerId("a", 0));
        Assert.Equal(new MembershipChange(MembershipChangeKind.Left, Card("a")), await Clock.NextAsync(changes, step));

        await directory.RegisterAsync(Card("b", role: WorkerRole.Prefill));
        Assert.Equal(new MembershipChange(MembershipChangeKind.Updated, Card("b", role: WorkerRole.Prefill)), await Clock.NextAsync(changes, step));

        await directory.RegisterAsync(Card("c"));
        Assert.Equal(new MembershipChange(MembershipChangeKind.Joined, Card("c")), await Clock.NextAsync(changes, step));

        // No one renews: both leases run out and both workers are reported gone.
        var left = new[] { await Clock.NextAsync(changes, step), await Clock.NextAsync(changes, step) };
        Assert.All(left, change => Assert.Equal(MembershipChangeKind.Left, change.Kind));
        Assert.Equal(["b/0", "c/0"], left.Select(c => c.Card.Id.ToString()).Order(StringComparer.Ordinal));
        stop.Cancel();
    }

    [RedisFact]
    public async Task LeaseKeeper_RenewsPastManyTtls_ThenDeregistersOnDispose()
    {
        var directory = CreateDirectory();
        var keeper = new LeaseKeeper(directory, Card("a"), Options, Time);
        await keeper.StartAsync();

        for (var i = 0; i < 6; i++)
            await Clock.ElapseAsync(Options.RenewInterval / 2);
        await Clock.EventuallyAsync(() => Task.FromResult(keeper.Renewals >= 2), Options.RenewInterval / 4, "two renewals");
        Assert.Single(await directory.ListAsync());

        await keeper.DisposeAsync();
        Assert.Empty(await directory.ListAsync());
    }
}
