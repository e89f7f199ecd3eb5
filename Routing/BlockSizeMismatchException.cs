using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Routing;

/// <summary>
/// A worker hashes its KV blocks with a different block size than the router: its hashes would never
/// match the router's, so prefix routing would silently degrade to random. Refused loudly instead.
/// </summary>
public sealed class BlockSizeMismatchException(WorkerId worker, int workerBlockSize, int routerBlockSize)
    : InvalidOperationException(
        $"worker {worker} uses KV block size {workerBlockSize} but the router uses {routerBlockSize}; " +
        "every worker behind one router must use the router's block size (--block-size)")
{
    public WorkerId Worker { get; } = worker;

    public int WorkerBlockSize { get; } = workerBlockSize;

    public int RouterBlockSize { get; } = routerBlockSize;
}
