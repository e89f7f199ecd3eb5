using System.Buffers;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Routing.Index;
using DynamoOrleans.Routing.Policies;

namespace DynamoOrleans.Routing;

/// <summary>
/// Chooses a worker for each request: filters the worker set (role, shunned), looks up each
/// candidate's prefix overlap in the index, reads each candidate's active load, and lets the
/// policy pick (zero and one candidates are settled before any policy runs). It then charges the
/// request to the chosen worker's load until the caller reports the first token and the end.
/// No transport: the gateway feeds <see cref="Index"/> from the event bus and worker cards from
/// the directory.
/// </summary>
public sealed class KvRouter
{
    private const int StackLimit = 1024;

    private readonly Lock _writeGate = new();
    private readonly TimeProvider _time;
    private readonly long _shunTicks;
    private WorkerSet _workers = WorkerSet.Empty;

    public KvRouter(KvRouterOptions options, IRoutingPolicy policy, IPrefixIndex? index = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(policy);
        options.Validate();
        if (index is not null && index.BlockSize != options.BlockSize)
            throw new ArgumentException($"the index uses block size {index.BlockSize} but the router {options.BlockSize}", nameof(index));
        BlockSize = options.BlockSize;
        Policy = policy;
        Index = index;
        _time = time ?? TimeProvider.System;
        _shunTicks = (long)(options.ShunDuration.TotalSeconds * _time.TimestampFrequency);
    }

    /// <summary>A router for <see cref="KvRouterOptions.Mode"/>, with the index that mode needs.</summary>
    public static KvRouter Create(KvRouterOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options.Mode switch
        {
            RoutingPolicyNames.Kv => new KvRouter(options, new KvCostPolicy(options.PrefillScale, options.Temperature, options.Seed), new KvIndex(options.BlockSize), time),
            RoutingPolicyNames.Predicted => new KvRouter(options, new KvCostPolicy(options.PrefillScale, options.Temperature, options.Seed, RoutingPolicyNames.Predicted),
                new PredictedKvIndex(options.BlockSize, options.PredictedTtl, time), time),
            RoutingPolicyNames.RoundRobin => new KvRouter(options, new RoundRobinPolicy(), null, time),
            RoutingPolicyNames.Random => new KvRouter(options, new RandomPolicy(options.Seed), null, time),
            RoutingPolicyNames.LeastLoaded => new KvRouter(options, new LeastLoadedPolicy(options.Seed), null, time),
            _ => throw new ArgumentException(
                $"unknown router mode '{options.Mode}'; expected kv, predicted, round-robin, random or least-loaded", nameof(options)),
        };
    }

    public int BlockSize { get; }

    public IRoutingPolicy Policy { get; }

    /// <summary>The prefix index (null for policies that ignore caches). A <see cref="KvIndex"/> is fed by the caller.</summary>
    public IPrefixIndex? Index { get; }

    public int NumWorkers => Volatile.Read(ref _workers).Workers.Length;

    /// <summary>Adds or replaces a worker; refuses one whose block size differs from the router's.</summary>
    public void AddWorker(WorkerCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        if (card.BlockSize != BlockSize)
            throw new BlockSizeMismatchException(card.Id, card.BlockSize, BlockSize);
        lock (_writeGate)
            Volatile.Write(ref _workers, _workers.With(new WorkerState(card)));
    }

    /// <summary>Removes a departed worker from routing and its blocks from the index.</summary>
    public bool RemoveWorker(WorkerId worker)
    {
        bool known;
        lock (_writeGate)
        {
            known = _workers.ById.ContainsKey(worker);
            Volatile.Write(ref _workers, _workers.Without(worker));
        }
        Index?.RemoveWorker(worker);
        return known;
    }

    /// <summary>Skips the worker for the shun duration (a broken stream, a refused connection).</summary>
    public void MarkFailed(WorkerId worker)
    {
        if (Volatile.Read(ref _workers).ById.TryGetValue(worker, out var state))
            state.ShunUntil(_time.GetTimestamp() + _shunTicks);
    }

    public bool IsShunned(WorkerId worker) =>
        Volatile.Read(ref _workers).ById.TryGetValue(worker, out var state) && state.IsShunned(_time.GetTimestamp());

    /// <summary>Takes a worker's own load report into account (it also counts other gateways' requests).</summary>
    public void ReportLoad(WorkerId worker, EngineLoad load)
    {
        if (Volatile.Read(ref _workers).ById.TryGetValue(worker, out var state))
            state.Report(load, BlockSize);
    }

    /// <summary>Routes a tokenized prompt: hashes its full blocks, then <see cref="Route(ReadOnlySpan{ulong}, int, WorkerRole?, int)"/>.</summary>
    public RouteDecision? Route(ReadOnlySpan<int> promptTokens, WorkerRole? role = null, int expectedOutputTokens = 0)
    {
        var numBlocks = promptTokens.Length / BlockSize;
        ulong[]? rented = null;
        var hashes = numBlocks <= StackLimit ? stackalloc ulong[numBlocks] : (rented = ArrayPool<ulong>.Shared.Rent(numBlocks));
        try
        {
            BlockHasher.Compute(promptTokens, BlockSize, hashes);
            return Route(hashes[..numBlocks], promptTokens.Length, role, expectedOutputTokens);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<ulong>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Routes a prompt of <paramref name="promptTokens"/> tokens whose full blocks hash to
    /// <paramref name="sequenceHashes"/>. Null when no worker is eligible (none of the role, or all
    /// shunned): the caller answers 503.
    /// </summary>
    public RouteDecision? Route(ReadOnlySpan<ulong> sequenceHashes, int promptTokens, WorkerRole? role = null, int expectedOutputTokens = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(promptTokens);
        var all = Volatile.Read(ref _workers).Workers;
        var now = _time.GetTimestamp();
        var scratch = RouteScratch.For(all.Length);
        var n = 0;
        foreach (var worker in all)
        {
            if (worker.IsShunned(now) || (role is { } r && worker.Card.Role != r))
                continue;
            scratch.States[n] = worker;
            scratch.Ids[n] = worker.Id;
            n++;
        }
        if (n == 0)
            return null;

        var ids = scratch.Ids.AsSpan(0, n);
        var overlap = scratch.Overlap.AsSpan(0, n);
        var cached = scratch.Cached.AsSpan(0, n);
        if (Index is not null && !sequenceHashes.IsEmpty)
        {
            Index.FindOverlap(sequenceHashes, ids, overlap, cached);
        }
        else
        {
            overlap.Clear();
            cached.Clear();
        }

        var promptBlocks = (promptTokens + BlockSize - 1) / BlockSize;
        var growthBlocks = (Math.Max(expectedOutputTokens, 0) + BlockSize - 1) / BlockSize;
        int chosen;
        if (n == 1)
        {
            chosen = 0;
        }
        else
        {
            var prefill = scratch.Prefill.AsSpan(0, n);
            var decode = scratch.Decode.AsSpan(0, n);
            for (var i = 0; i < n; i++)
            {
                prefill[i] = scratch.States[i].ActivePrefillBlocks;
                decode[i] = scratch.States[i].ActiveDecodeBlocks;
            }
            chosen = Policy.Pick(new RoutingCandidates(ids, overlap, cached, prefill, decode, promptBlocks, growthBlocks));
            if ((uint)chosen >= (uint)n)
                throw new InvalidOperationException($"routing policy '{Policy.Name}' picked candidate {chosen} of {n}");
        }

        var state = scratch.States[chosen];
        Array.Clear(scratch.States, 0, n);
        var decision = new RouteDecision(state, promptBlocks, Math.Min(overlap[chosen], promptBlocks), growthBlocks);
        state.AddActive(decision.PrefillBlocks, decision.NewBlocks);
        Index?.OnRouted(state.Id, sequenceHashes);
        return decision;
    }

    /// <summary>The request's first token came back: its prefill no longer loads the worker.</summary>
    public void MarkPrefillDone(RouteDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (decision.TryMarkPrefillDone())
            decision.State.AddActive(-decision.PrefillBlocks, 0);
    }

    /// <summary>The request ended (finished, failed or cancelled): everything it charged is given back.</summary>
    public void Release(RouteDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        MarkPrefillDone(decision);
        if (decision.TryRelease())
            decision.State.AddActive(0, -decision.NewBlocks);
    }

    /// <summary>Per-thread buffers for one decision, so routing allocates only the decision itself.</summary>
    private sealed class RouteScratch
    {
        [ThreadStatic]
        private static RouteScratch? t_current;

        private RouteScratch(int size)
        {
            States = new WorkerState[size];
            Ids = new WorkerId[size];
            Overlap = new int[size];
            Cached = new int[size];
            Prefill = new int[size];
            Decode = new int[size];
        }

        public WorkerState[] States { get; }

        public WorkerId[] Ids { get; }

        public int[] Overlap { get; }

        public int[] Cached { get; }

        public int[] Prefill { get; }

        public int[] Decode { get; }

        public static RouteScratch For(int size)
        {
            var current = t_current;
            if (current is null || current.States.Length < size)
                t_current = current = new RouteScratch(Math.Max(size, 16));
            return current;
        }
    }
}
