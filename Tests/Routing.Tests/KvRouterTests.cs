using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Routing.Index;
using DynamoOrleans.Routing.Policies;
using static DynamoOrleans.Routing.Tests.Workers;

namespace DynamoOrleans.Routing.Tests;

public sealed class KvRouterTests
{
    private static KvRouter KvRouter(out KvIndex index, TimeProvider? time = null)
    {
        index = new KvIndex(16);
        return new KvRouter(new KvRouterOptions { BlockSize = 16, Seed = 1 }, new KvCostPolicy(seed: 1), index, time);
    }

    private static int[] Prompt(int tokens, int seed = 1)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, tokens).Select(_ => random.Next(50_000)).ToArray();
    }

    private static ulong[] HashesOf(int[] tokens)
    {
        var hashes = new ulong[tokens.Length / 16];
        BlockHasher.Compute(tokens, 16, hashes);
        return hashes;
    }

    [Fact]
    public void Route_NoWorkers_ReturnsNull()
    {
        var router = KvRouter(out _);

        Assert.Null(router.Route(Prompt(64)));
    }

    [Fact]
    public void Route_OneCandidate_IsChosenWithoutRunningThePolicy()
    {
        var router = new KvRouter(new KvRouterOptions(), new ThrowingPolicy());
        router.AddWorker(Card(0));

        Assert.Equal(Id(0), router.Route(Prompt(64))!.Worker);
    }

    [Fact]
    public void Route_KvMode_SendsThePromptToTheWorkerHoldingItsPrefix()
    {
        var router = KvRouter(out var index);
        for (var w = 0; w < 4; w++)
            router.AddWorker(Card(w));
        var prompt = Prompt(160);
        var hashes = HashesOf(prompt);
        index.Apply(Id(2), new KvEvent.Stored(1, null, hashes.Take(8).Select(h => new StoredBlock(h, 0)).ToArray()));

        var decision = router.Route(prompt)!;

        Assert.Equal(Id(2), decision.Worker);
        Assert.Equal(8, decision.OverlapBlocks);
        Assert.Equal(10, decision.PromptBlocks);
        Assert.Equal(2, decision.PrefillBlocks);
    }

    [Fact]
    public void Route_PartialLastBlock_CountsInPromptBlocksButIsNotHashed()
    {
        var router = KvRouter(out _);
        router.AddWorker(Card(0));

        var decision = router.Route(Prompt(40))!;

        Assert.Equal(3, decision.PromptBlocks);
        Assert.Equal(3, decision.PrefillBlocks);
    }

    [Fact]
    public void Route_ChargesLoad_UntilFirstTokenAndRelease()
    {
        var router = KvRouter(out _);
        router.AddWorker(Card(0));
        router.AddWorker(Card(1));

        // Each decision charges 10 prefill + 10 decode blocks to its worker; the next goes elsewhere.
        var first = router.Route(Prompt(160, seed: 1))!;
        var second = router.Route(Prompt(160, seed: 2))!;
        Assert.NotEqual(first.Worker, second.Worker);

        router.MarkPrefillDone(first);
        router.MarkPrefillDone(first);
        router.Release(second);
        router.Release(second);

        // first's worker: prefill 0, decode 10 → cost 20 + 10; second's: 0 → cost 20. Second's wins.
        Assert.Equal(second.Worker, router.Route(Prompt(160, seed: 3))!.Worker);
    }

    [Fact]
    public void ReportLoad_HeavierReportOutweighsOwnCount()
    {
        var router = KvRouter(out _);
        router.AddWorker(Card(0));
        router.AddWorker(Card(1));

        router.ReportLoad(Id(0), new EngineLoad(4, 0, 500, 1000, 0, ActivePrefillTokens: 1600, ActiveDecodeBlocks: 500));

        Assert.Equal(Id(1), router.Route(Prompt(160))!.Worker);
    }

    [Fact]
    public void AddWorker_DifferentBlockSize_IsRefusedNamingBothSizes()
    {
        var router = KvRouter(out _);

        var error = Assert.Throws<BlockSizeMismatchException>(() => router.AddWorker(Card(3, blockSize: 32)));

        Assert.Contains("32", error.Message, StringComparison.Ordinal);
        Assert.Contains("16", error.Message, StringComparison.Ordinal);
        Assert.Contains("node3/0", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, router.NumWorkers);
    }

    [Fact]
    public void Constructor_IndexWithOtherBlockSize_IsRefused()
    {
        Assert.Throws<ArgumentException>(() =>
            new KvRouter(new KvRouterOptions { BlockSize = 16 }, new KvCostPolicy(), new KvIndex(32)));
    }

    [Fact]
    public void MarkFailed_WorkerIsSkippedForTheShunDurationThenEligibleAgain()
    {
        var clock = new ManualClock();
        var router = new KvRouter(new KvRouterOptions { ShunDuration = TimeSpan.FromSeconds(5) }, new RoundRobinPolicy(), null, clock);
        router.AddWorker(Card(0));
        router.AddWorker(Card(1));

        router.MarkFailed(Id(0));
        for (var i = 0; i < 6; i++)
            Assert.Equal(Id(1), router.Route(Prompt(32))!.Worker);
        Assert.True(router.IsShunned(Id(0)));

        clock.Advance(TimeSpan.FromSeconds(5));
        var picked = Enumerable.Range(0, 4).Select(_ => router.Route(Prompt(32))!.Worker).ToHashSet();
        Assert.Contains(Id(0), picked);
        Assert.False(router.IsShunned(Id(0)));
    }

    [Fact]
    public void MarkFailed_AllWorkersShunned_ReturnsNull()
    {
        var clock = new ManualClock();
        var router = new KvRouter(new KvRouterOptions(), new RoundRobinPolicy(), null, clock);
        router.AddWorker(Card(0));
        router.MarkFailed(Id(0));

        Assert.Null(router.Route(Prompt(32)));
    }

    [Fact]
    public void Route_Role_OnlyConsidersWorkersOfThatRole()
    {
        var router = new KvRouter(new KvRouterOptions(), new RoundRobinPolicy());
        router.AddWorker(Card(0, role: WorkerRole.Prefill));
        router.AddWorker(Card(1, role: WorkerRole.Decode));
        router.AddWorker(Card(2, role: WorkerRole.Decode));

        for (var i = 0; i < 4; i++)
            Assert.NotEqual(Id(0), router.Route(Prompt(32), WorkerRole.Decode)!.Worker);
        Assert.Equal(Id(0), router.Route(Prompt(32), WorkerRole.Prefill)!.Worker);
        Assert.Null(router.Route(Prompt(32), WorkerRole.Aggregated));
    }

    [Fact]
    public void RemoveWorker_StopsRoutingToItAndDropsItsBlocks()
    {
        var router = KvRouter(out var index);
        router.AddWorker(Card(0));
        router.AddWorker(Card(1));
        var prompt = Prompt(64);
        index.Store(Id(0), HashesOf(prompt));

        Assert.True(router.RemoveWorker(Id(0)));

        Assert.Equal(Id(1), router.Route(prompt)!.Worker);
        Assert.Equal(0, index.CachedBlocks(Id(0)));
        Assert.False(router.RemoveWorker(Id(0)));
    }

    [Fact]
    public void Create_PredictedMode_RoutesARepeatedPromptBackToTheSameWorker()
    {
        var clock = new ManualClock();
        var router = Routing.KvRouter.Create(new KvRouterOptions { Mode = RoutingPolicyNames.Predicted, PredictedTtl = TimeSpan.FromSeconds(30), Seed = 5 }, clock);
        for (var w = 0; w < 4; w++)
            router.AddWorker(Card(w));
        var prompt = Prompt(320);

        var first = router.Route(prompt)!;
        router.Release(first);
        var again = router.Route(prompt)!;

        Assert.Equal(first.Worker, again.Worker);
        Assert.Equal(20, again.OverlapBlocks);
        Assert.IsType<PredictedKvIndex>(router.Index);
    }

    [Theory]
    [InlineData("kv", typeof(KvCostPolicy))]
    [InlineData("round-robin", typeof(RoundRobinPolicy))]
    [InlineData("random", typeof(RandomPolicy))]
    [InlineData("least-loaded", typeof(LeastLoadedPolicy))]
    [InlineData("predicted", typeof(KvCostPolicy))]
    public void Create_EachMode_BuildsItsPolicy(string mode, Type policyType)
    {
        var router = Routing.KvRouter.Create(new KvRouterOptions { Mode = mode });

        Assert.IsType(policyType, router.Policy);
        Assert.Equal(mode, router.Policy.Name);
    }

    [Fact]
    public void Create_UnknownMode_ThrowsListingTheModes()
    {
        var error = Assert.Throws<ArgumentException>(() => Routing.KvRouter.Create(new KvRouterOptions { Mode = "fastest" }));

        Assert.Contains("round-robin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Route_ConcurrentRequestsAllReleased_LeaveNoLoadBehind()
    {
        var router = KvRouter(out _);
        for (var w = 0; w < 4; w++)
            router.AddWorker(Card(w));

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++)
            {
                var decision = router.Route(Prompt(64, seed: t * 1000 + i))!;
                router.MarkPrefillDone(decision);
                router.Release(decision);
            }
        })));

        // With every worker idle again and none holding the prompt, ties fall to fewest cached blocks
        // (all 0) then random: each worker is picked, none is avoided for leftover load.
        var picked = Enumerable.Range(0, 200).Select(i =>
        {
            var decision = router.Route(Prompt(64, seed: 99_000 + i))!;
            router.Release(decision);
            return decision.Worker;
        }).ToHashSet();
        Assert.Equal(4, picked.Count);
    }

    private sealed class ThrowingPolicy : IRoutingPolicy
    {
        public string Name => "throwing";

        public int Pick(in RoutingCandidates candidates) => throw new InvalidOperationException("the policy ran");
    }
}
