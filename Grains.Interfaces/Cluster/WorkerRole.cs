namespace DynamoOrleans.Grains.Interfaces.Cluster;

/// <summary>What a worker does with a request: everything, or one side of a disaggregated pair.</summary>
public enum WorkerRole
{
    Aggregated,
    Prefill,
    Decode,
}
