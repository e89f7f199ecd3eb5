using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Routing;

/// <summary>
/// One worker as the router sees it: its card (immutable) and the mutable counters behind the cost
/// function. Counters are updated with interlocked operations from any request's thread.
/// </summary>
internal sealed class WorkerState(WorkerCard card)
{
    private int _prefillBlocks;
    private int _decodeBlocks;
    private int _reportedPrefillBlocks;
    private int _reportedDecodeBlocks;
    private long _shunnedUntil = long.MinValue;

    public WorkerCard Card { get; } = card;

    public WorkerId Id => Card.Id;

    /// <summary>
    /// The larger of the router's own count and the worker's last report: a report also counts other
    /// gateways' requests, while the own count is fresher; taking the larger never double counts.
    /// </summary>
    public int ActivePrefillBlocks => Math.Max(Volatile.Read(ref _prefillBlocks), Volatile.Read(ref _reportedPrefillBlocks));

    public int ActiveDecodeBlocks => Math.Max(Volatile.Read(ref _decodeBlocks), Volatile.Read(ref _reportedDecodeBlocks));

    public void AddActive(int prefillBlocks, int decodeBlocks)
    {
        Interlocked.Add(ref _prefillBlocks, prefillBlocks);
        Interlocked.Add(ref _decodeBlocks, decodeBlocks);
    }

    public void Report(EngineLoad load, int blockSize)
    {
        Volatile.Write(ref _reportedPrefillBlocks, (load.ActivePrefillTokens + blockSize - 1) / blockSize);
        Volatile.Write(ref _reportedDecodeBlocks, load.ActiveDecodeBlocks);
    }

    public void ShunUntil(long timestamp) => Volatile.Write(ref _shunnedUntil, timestamp);

    public bool IsShunned(long now) => now < Volatile.Read(ref _shunnedUntil);
}
