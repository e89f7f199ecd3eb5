using DynamoOrleans.Cluster.Tests.Contracts;
using DynamoOrleans.Cluster.Tests.Fixtures;
using DynamoOrleans.Grains.Interfaces.Cluster;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoOrleans.Cluster.Tests.Membership;

public sealed class MembershipWatchTests
{
    [Fact]
    public async Task Run_StoreUnreachable_ReportsNoOneGone()
    {
        var time = new ManualTimeProvider();
        var clock = new ManualContractClock(time);
        var reads = 0;
        var card = ClusterDirectoryContract.Card("a");
        // Up, then down for three reads, then up without the worker (its lease really expired).
        ValueTask<IReadOnlyList<WorkerCard>> List(CancellationToken _) => ++reads switch
        {
            1 => ValueTask.FromResult<IReadOnlyList<WorkerCard>>([card]),
            <= 4 => ValueTask.FromException<IReadOnlyList<WorkerCard>>(new TimeoutException("store down")),
            _ => ValueTask.FromResult<IReadOnlyList<WorkerCard>>([]),
        };
        using var stop = new CancellationTokenSource();
        await using var changes = MembershipWatch.RunAsync(List, TimeSpan.FromSeconds(1), time, NullLogger.Instance, stop.Token).GetAsyncEnumerator(stop.Token);

        Assert.Equal(new MembershipChange(MembershipChangeKind.Joined, card), await clock.NextAsync(changes, TimeSpan.FromSeconds(1)));
        var next = await clock.NextAsync(changes, TimeSpan.FromSeconds(1));

        Assert.Equal(new MembershipChange(MembershipChangeKind.Left, card), next);
        Assert.Equal(5, reads);
        stop.Cancel();
    }

    [Fact]
    public void Diff_ReportsLeaversFirstThenJoinersAndUpdates()
    {
        var known = new Dictionary<WorkerId, WorkerCard>
        {
            [new WorkerId("a", 0)] = ClusterDirectoryContract.Card("a"),
            [new WorkerId("b", 0)] = ClusterDirectoryContract.Card("b"),
        };
        var changes = new List<MembershipChange>();

        MembershipWatch.Diff(known, [ClusterDirectoryContract.Card("b", role: WorkerRole.Decode), ClusterDirectoryContract.Card("c")], changes);

        Assert.Equal(
            [MembershipChangeKind.Left, MembershipChangeKind.Updated, MembershipChangeKind.Joined],
            changes.Select(c => c.Kind));
        Assert.Equal(["b/0", "c/0"], known.Keys.Select(k => k.ToString()).Order(StringComparer.Ordinal));
    }
}
