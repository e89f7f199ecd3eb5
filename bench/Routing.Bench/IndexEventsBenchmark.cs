using System.Diagnostics;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Routing.Index;

namespace DynamoOrleans.Routing.Bench;

/// <summary>
/// KV events applied per second on one thread, counted as block insertions. 64 workers each publish
/// Stored events of 16 blocks (one prefill chunk) and, once they hold 16,384 blocks, a Removed event
/// of their 16 oldest, so the index sits at about a million blocks, as a busy cluster's does. Events
/// are built before the clock starts. Baseline in the same run: a BCL Dictionary doing the same
/// inserts and removes of the same hashes (no worker sets, no event ids).
/// </summary>
public sealed class IndexEventsBenchmark : IBenchmark
{
    private const int Workers = 64;
    private const int EventBlocks = 16;

    public string Name => "index-events";

    public string Description => "KV index events applied per second on one core (target ≥ 10 M block insertions/s)";

    public async Task RunAsync(string[] args, TextWriter output)
    {
        // Optional: blocks stored per worker over the run, and blocks each worker keeps (the index size / 64).
        var storedPerWorker = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 65_536;
        var workerBlocks = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 16_384;
        var ids = new WorkerId[Workers];
        for (var w = 0; w < Workers; w++)
            ids[w] = new WorkerId($"node{w / 8}", w % 8);
        await Fill(output, ids, workerBlocks);
        var (events, owners, insertions, removals) = BuildEvents(ids, storedPerWorker, workerBlocks);
        await output.WriteLineAsync($"{events.Length:N0} events: {insertions:N0} block insertions, {removals:N0} block removals");

        // Rates per CPU-second beside the wall-clock ones: on a shared machine other processes take
        // the core away, which inflates wall time but not the CPU time this process received.
        await output.WriteLineAsync("run | KvIndex insertions/s (M), wall | KvIndex insertions/s (M), per CPU-s | KvIndex block ops/s (M), per CPU-s | baseline Dictionary block ops/s (M), per CPU-s | index blocks");
        await output.WriteLineAsync("--- | --- | --- | --- | --- | ---");
        for (var run = 1; run <= 5; run++)
        {
            var (seconds, cpuSeconds, baselineCpuSeconds, numBlocks) = TimeRun(ids, events, owners);
            await output.WriteLineAsync(
                $"{run} | {insertions / seconds / 1e6:F1} | {insertions / cpuSeconds / 1e6:F1} | {(insertions + removals) / cpuSeconds / 1e6:F1} | {(insertions + removals) / baselineCpuSeconds / 1e6:F1} | {numBlocks:N0}");
        }
    }

    /// <summary>Store-only: 64 workers fill an empty (presized) index with 16,384 blocks each, as after a restart.</summary>
    private static async Task Fill(TextWriter output, WorkerId[] ids, int workerBlocks)
    {
        var (events, owners, insertions, _) = BuildEvents(ids, workerBlocks, workerBlocks);
        await output.WriteLineAsync($"fill: {events.Length:N0} Stored events, {insertions:N0} block insertions into an empty index");
        await output.WriteLineAsync("run | insertions/s (M), wall | insertions/s (M), per CPU-s | baseline Dictionary insertions/s (M), per CPU-s | index blocks");
        await output.WriteLineAsync("--- | --- | --- | --- | ---");
        for (var run = 1; run <= 5; run++)
        {
            var (seconds, cpuSeconds, baselineCpuSeconds, numBlocks) = TimeRun(ids, events, owners);
            await output.WriteLineAsync(
                $"{run} | {insertions / seconds / 1e6:F1} | {insertions / cpuSeconds / 1e6:F1} | {insertions / baselineCpuSeconds / 1e6:F1} | {numBlocks:N0}");
        }
        await output.WriteLineAsync("");
        await output.WriteLineAsync("steady state (stores and evictions):");
    }

    /// <summary>Applies the events to a fresh KvIndex (wall and CPU time) and then to the Dictionary baseline (CPU time).</summary>
    private static (double Seconds, double CpuSeconds, double BaselineCpuSeconds, int NumBlocks) TimeRun(WorkerId[] ids, KvEvent[] events, int[] owners)
    {
        var index = new KvIndex(16, 1 << 20);
        var cpu = ThreadCpuTime.Now();
        var watch = Stopwatch.StartNew();
        for (var e = 0; e < events.Length; e++)
            index.Apply(ids[owners[e]], events[e]);
        var seconds = watch.Elapsed.TotalSeconds;
        var cpuSeconds = ThreadCpuTime.Now() - cpu;

        var baseline = new Dictionary<ulong, ulong>(1 << 20);
        cpu = ThreadCpuTime.Now();
        for (var e = 0; e < events.Length; e++)
            ApplyToDictionary(baseline, owners[e], events[e]);
        return (seconds, cpuSeconds, ThreadCpuTime.Now() - cpu, index.NumBlocks);
    }

    private static (KvEvent[] Events, int[] Owners, long Insertions, long Removals) BuildEvents(WorkerId[] ids, int storedPerWorker, int workerBlocks)
    {
        var random = new Random(1);
        var events = new List<KvEvent>();
        var owners = new List<int>();
        var held = new Queue<ulong>[ids.Length];
        var nextId = new long[ids.Length];
        for (var w = 0; w < ids.Length; w++)
            held[w] = new Queue<ulong>();
        long insertions = 0, removals = 0;
        KvEvent.Stored? lastStored = null;
        var rounds = storedPerWorker / EventBlocks;
        for (var round = 0; round < rounds; round++)
        {
            for (var w = 0; w < ids.Length; w++)
            {
                // Half the chunks repeat the neighbour's chunk from the same round: shared prefixes.
                var blocks = new StoredBlock[EventBlocks];
                var shared = w % 2 == 1 && random.Next(2) == 0;
                var source = shared ? lastStored : null;
                for (var b = 0; b < EventBlocks; b++)
                {
                    var hash = source is not null ? source.Blocks[b].SequenceHash : (ulong)random.NextInt64();
                    blocks[b] = new StoredBlock(hash, 0);
                    held[w].Enqueue(hash);
                }
                lastStored = new KvEvent.Stored(++nextId[w], null, blocks);
                events.Add(lastStored);
                owners.Add(w);
                insertions += EventBlocks;
                if (held[w].Count > workerBlocks)
                {
                    var evicted = new ulong[EventBlocks];
                    for (var b = 0; b < EventBlocks; b++)
                        evicted[b] = held[w].Dequeue();
                    events.Add(new KvEvent.Removed(++nextId[w], evicted));
                    owners.Add(w);
                    removals += EventBlocks;
                }
            }
        }
        return (events.ToArray(), owners.ToArray(), insertions, removals);
    }

    private static void ApplyToDictionary(Dictionary<ulong, ulong> map, int owner, KvEvent kvEvent)
    {
        var bit = 1UL << owner;
        if (kvEvent is KvEvent.Stored stored)
        {
            foreach (var block in (StoredBlock[])stored.Blocks)
            {
                ref var bits = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(map, block.SequenceHash, out _);
                bits |= bit;
            }
        }
        else if (kvEvent is KvEvent.Removed removed)
        {
            foreach (var hash in (ulong[])removed.SequenceHashes)
            {
                ref var bits = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(map, hash);
                if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref bits))
                    continue;
                bits &= ~bit;
                if (bits == 0)
                    map.Remove(hash);
            }
        }
    }
}
