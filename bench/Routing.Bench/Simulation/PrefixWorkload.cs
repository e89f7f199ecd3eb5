using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Routing.Index;

namespace DynamoOrleans.Routing.Bench.Simulation;

/// <summary>The shape of a shared-prefix workload: many requests, each a popular system prompt plus its own question.</summary>
public sealed record PrefixWorkloadSettings(
    int Workers = 8,
    int BlockSize = 16,
    int Prefixes = 16,
    int PrefixBlocks = 64,
    int SuffixTokens = 120,
    int Requests = 4000,
    int CacheBlocksPerWorker = 512,
    int InFlight = 32,
    int Seed = 1);

/// <summary>What a routing mode achieved on the workload.</summary>
public sealed record PrefixWorkloadResult(
    string Mode,
    double HitRate,
    long PromptTokens,
    long PrefillTokens,
    int MinRequestsPerWorker,
    int MaxRequestsPerWorker);

/// <summary>
/// Replays a shared-prefix workload through a <see cref="KvRouter"/> over simulated workers whose
/// caches publish events straight into the router's index (delivery with no lag). The hit rate is
/// what the workers' caches really held, not what the router believed; prefill tokens computed is
/// the TTFT proxy.
/// </summary>
public static class PrefixWorkload
{
    public static PrefixWorkloadResult Run(string mode, PrefixWorkloadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = new KvRouterOptions { BlockSize = settings.BlockSize, Mode = mode, Seed = settings.Seed };
        var router = KvRouter.Create(options);
        var caches = new SimulatedPrefixCache[settings.Workers];
        var byWorker = new Dictionary<WorkerId, int>();
        for (var w = 0; w < settings.Workers; w++)
        {
            var id = new WorkerId($"node{w}", 0);
            router.AddWorker(new WorkerCard(id, "sim", "", settings.BlockSize, 1 << 20, settings.CacheBlocksPerWorker, WorkerRole.Aggregated, ""));
            IKvEventSink? sink = router.Index is KvIndex index ? new IndexSink(index, id) : null;
            caches[w] = new SimulatedPrefixCache(settings.CacheBlocksPerWorker, sink);
            byWorker[id] = w;
        }

        var random = new Random(settings.Seed);
        var prefixTokens = settings.PrefixBlocks * settings.BlockSize;
        var tokens = new int[prefixTokens + settings.SuffixTokens];
        var hashes = new ulong[tokens.Length / settings.BlockSize];
        var inFlight = new Queue<RouteDecision>();
        var perWorker = new int[settings.Workers];
        long hitBlocks = 0, fullBlocks = 0, promptTokens = 0, prefillTokens = 0;
        for (var r = 0; r < settings.Requests; r++)
        {
            // Prefix popularity falls off (a Zipf-like 1/(k+1)), as shared system prompts do.
            var prefix = PickPrefix(random, settings.Prefixes);
            var prefixRandom = new Random(prefix * 7919 + 17);
            for (var t = 0; t < prefixTokens; t++)
                tokens[t] = prefixRandom.Next(100_000);
            for (var t = prefixTokens; t < tokens.Length; t++)
                tokens[t] = random.Next(100_000);
            var numBlocks = BlockHasher.Compute(tokens, settings.BlockSize, hashes);

            var decision = router.Route(tokens) ?? throw new InvalidOperationException("no worker");
            var w = byWorker[decision.Worker];
            perWorker[w]++;
            var hit = caches[w].Serve(hashes.AsSpan(0, numBlocks));
            hitBlocks += hit;
            fullBlocks += numBlocks;
            promptTokens += tokens.Length;
            prefillTokens += tokens.Length - hit * settings.BlockSize;
            router.MarkPrefillDone(decision);
            inFlight.Enqueue(decision);
            if (inFlight.Count > settings.InFlight)
                router.Release(inFlight.Dequeue());
        }
        return new PrefixWorkloadResult(mode, (double)hitBlocks / fullBlocks, promptTokens, prefillTokens, perWorker.Min(), perWorker.Max());
    }

    private static int PickPrefix(Random random, int prefixes)
    {
        var total = 0.0;
        for (var k = 0; k < prefixes; k++)
            total += 1.0 / (k + 1);
        var target = random.NextDouble() * total;
        for (var k = 0; k < prefixes; k++)
        {
            target -= 1.0 / (k + 1);
            if (target < 0)
                return k;
        }
        return prefixes - 1;
    }

    private sealed class IndexSink(KvIndex index, WorkerId worker) : IKvEventSink
    {
        public void Publish(KvEvent kvEvent)
        {
            if (index.Apply(worker, kvEvent).Status != KvApplyStatus.Applied)
                throw new InvalidOperationException($"event {kvEvent.EventId} from {worker} was not applied in order");
        }
    }
}
