using System.Diagnostics;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Routing.Index;
using DynamoOrleans.Routing.Policies;

namespace DynamoOrleans.Routing.Bench;

/// <summary>
/// One routing decision for an 8,192-token prompt (512 blocks of 16) over 64 workers and an index
/// of about a million blocks. The prompt's prefix is held by every worker to a different depth
/// (worker w holds 8·w leading blocks), so the overlap walk goes ~500 blocks deep and sees workers
/// drop out along the way: close to the worst case. Baselines in the same run: a round-robin
/// decision (no index) and a naive overlap, each worker's hash set probed block by block.
/// </summary>
public sealed class RouteDecisionBenchmark : IBenchmark
{
    private const int Workers = 64;
    private const int BlockSize = 16;
    private const int PromptBlocks = 512;
    private const int Conversations = 2048;

    public string Name => "route-decision";

    public string Description => "kv routing decision, 8k-token prompt, 64 workers, 1M-block index (target < 50 µs)";

    public async Task RunAsync(string[] args, TextWriter output)
    {
        var random = new Random(1);
        var index = new KvIndex(BlockSize, 1 << 20);
        var naive = new HashSet<ulong>[Workers];
        var ids = new WorkerId[Workers];
        var options = new KvRouterOptions { BlockSize = BlockSize, Seed = 1 };
        var kv = new KvRouter(options, new KvCostPolicy(seed: 1), index);
        var roundRobin = new KvRouter(options, new RoundRobinPolicy());
        for (var w = 0; w < Workers; w++)
        {
            ids[w] = new WorkerId($"node{w / 8}", w % 8);
            naive[w] = [];
            var card = new WorkerCard(ids[w], "bench", "", BlockSize, 32_768, 100_000, WorkerRole.Aggregated, "");
            kv.AddWorker(card);
            roundRobin.AddWorker(card);
        }

        // About a million distinct blocks: 2,048 conversations of 512 blocks, each on two workers.
        var hashes = new ulong[PromptBlocks];
        var tokens = new int[PromptBlocks * BlockSize];
        for (var c = 0; c < Conversations; c++)
        {
            for (var b = 0; b < PromptBlocks; b++)
                hashes[b] = (ulong)random.NextInt64();
            Store(index, naive, ids, c % Workers, hashes);
            Store(index, naive, ids, (c + 1) % Workers, hashes);
        }
        for (var t = 0; t < tokens.Length; t++)
            tokens[t] = random.Next(150_000);
        BlockHasher.Compute(tokens, BlockSize, hashes);
        for (var w = 0; w < Workers; w++)
            Store(index, naive, ids, w, hashes.AsSpan(0, 8 * w));
        await output.WriteLineAsync($"index: {index.NumBlocks:N0} distinct blocks over {index.NumWorkers} workers");

        var kvHashes = Time(() => Release(kv, kv.Route(hashes, tokens.Length)));
        var kvTokens = Time(() => Release(kv, kv.Route(tokens)));
        var scratch = new ulong[PromptBlocks];
        var twoCalls = Time(() =>
        {
            BlockHasher.Compute(tokens, BlockSize, scratch);
            Release(kv, kv.Route(scratch, tokens.Length));
        });
        var rr = Time(() => Release(roundRobin, roundRobin.Route(hashes, tokens.Length)));
        var overlap = new int[Workers];
        var cached = new int[Workers];
        var indexOnly = Time(() => index.FindOverlap(hashes, ids, overlap, cached));
        var naiveOverlap = Time(() => NaiveOverlap(naive, hashes, overlap));
        var hashOnly = Time(() => BlockHasher.Compute(tokens, BlockSize, hashes));

        await output.WriteLineAsync("measure | µs per call, wall (median) | µs per call, thread CPU (median)");
        await output.WriteLineAsync("------- | --- | ---");
        await Row(output, "kv decision from 512 hashes (index walk + cost + pick)", kvHashes);
        await Row(output, "kv decision from 8,192 tokens (hashing included)", kvTokens);
        await Row(output, "  the same as two calls: BlockHasher.Compute, then Route(hashes)", twoCalls);
        await Row(output, "  of which KvIndex.FindOverlap alone", indexOnly);
        await Row(output, "  of which block hashing alone", hashOnly);
        await Row(output, "baseline: round-robin decision", rr);
        await Row(output, "baseline: naive overlap (64 HashSets, probed per block)", naiveOverlap);
        await output.WriteLineAsync($"check: deepest overlap {overlap.Max()} blocks; target < 50 µs (CPU, from tokens): {(kvTokens.Cpu < 50 ? "met" : "MISSED")}");
    }

    private static Task Row(TextWriter output, string what, (double Wall, double Cpu) time) =>
        output.WriteLineAsync($"{what} | {time.Wall:F2} | {time.Cpu:F2}");

    private static void Store(KvIndex index, HashSet<ulong>[] naive, WorkerId[] ids, int w, ReadOnlySpan<ulong> hashes)
    {
        index.Store(ids[w], hashes);
        foreach (var hash in hashes)
            naive[w].Add(hash);
    }

    private static void Release(KvRouter router, RouteDecision? decision) => router.Release(decision!);

    private static void NaiveOverlap(HashSet<ulong>[] naive, ulong[] hashes, int[] overlap)
    {
        for (var w = 0; w < naive.Length; w++)
        {
            var depth = 0;
            while (depth < hashes.Length && naive[w].Contains(hashes[depth]))
                depth++;
            overlap[w] = depth;
        }
    }

    /// <summary>
    /// Median over 21 rounds of about 50 ms each, after a warm-up: wall-clock µs per call and
    /// thread-CPU µs per call (the second is what the code costs when the core is its own).
    /// </summary>
    private static (double Wall, double Cpu) Time(Action action)
    {
        for (var i = 0; i < 2000; i++)
            action();
        var wall = new double[21];
        var cpu = new double[21];
        for (var r = 0; r < wall.Length; r++)
        {
            var cpuStart = ThreadCpuTime.Now();
            var watch = Stopwatch.StartNew();
            var calls = 0;
            while (watch.ElapsedMilliseconds < 50)
            {
                for (var i = 0; i < 20; i++)
                    action();
                calls += 20;
            }
            wall[r] = watch.Elapsed.TotalMicroseconds / calls;
            cpu[r] = (ThreadCpuTime.Now() - cpuStart) * 1e6 / calls;
        }
        Array.Sort(wall);
        Array.Sort(cpu);
        return (wall[wall.Length / 2], cpu[cpu.Length / 2]);
    }
}
