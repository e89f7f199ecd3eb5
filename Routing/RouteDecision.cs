using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Routing;

/// <summary>
/// Where one request went and what it charged to that worker's load. The caller reports the
/// request's progress back through it (<see cref="KvRouter.MarkPrefillDone"/> on the first token,
/// <see cref="KvRouter.Release"/> when it ends); each is counted once however often it is called.
/// </summary>
public sealed class RouteDecision
{
    private int _prefillDone;
    private int _released;

    internal RouteDecision(WorkerState worker, int promptBlocks, int overlapBlocks, int decodeGrowthBlocks)
    {
        State = worker;
        PromptBlocks = promptBlocks;
        OverlapBlocks = overlapBlocks;
        PrefillBlocks = Math.Max(promptBlocks - overlapBlocks, 0);
        NewBlocks = PrefillBlocks + decodeGrowthBlocks;
    }

    public WorkerId Worker => State.Id;

    public WorkerCard Card => State.Card;

    /// <summary>The prompt in blocks (a partial last block counts).</summary>
    public int PromptBlocks { get; }

    /// <summary>Leading prompt blocks the index says the worker already holds.</summary>
    public int OverlapBlocks { get; }

    /// <summary>Blocks the worker must prefill: prompt − overlap.</summary>
    public int PrefillBlocks { get; }

    /// <summary>Blocks charged to the worker's decode load: prefill blocks plus expected decode growth.</summary>
    public int NewBlocks { get; }

    internal WorkerState State { get; }

    internal bool TryMarkPrefillDone() => Interlocked.Exchange(ref _prefillDone, 1) == 0;

    internal bool TryRelease() => Interlocked.Exchange(ref _released, 1) == 0;
}
