using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Routing.Tests;

/// <summary>Worker ids and cards for tests.</summary>
internal static class Workers
{
    public static WorkerId Id(int n) => new($"node{n}", 0);

    public static WorkerCard Card(int n, int blockSize = 16, WorkerRole role = WorkerRole.Aggregated) =>
        new(Id(n), "test-model", "digest", blockSize, 8192, 1000, role, $"http://10.0.0.{n}:9100");

    /// <summary>Hashes 1…n: the index treats sequence hashes as opaque keys, so small numbers read well in tests.</summary>
    public static ulong[] Hashes(int from, int count)
    {
        var hashes = new ulong[count];
        for (var i = 0; i < count; i++)
            hashes[i] = (ulong)(from + i);
        return hashes;
    }
}
