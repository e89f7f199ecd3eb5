using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Routing.Policies;

namespace DynamoOrleans.Routing.Tests.Policies;

/// <summary>Builds <see cref="RoutingCandidates"/> from plain arrays (a ref struct cannot be a test field).</summary>
internal sealed class Candidates(int count)
{
    public WorkerId[] Workers { get; } = Enumerable.Range(0, count).Select(Routing.Tests.Workers.Id).ToArray();

    public int[] Overlap { get; } = new int[count];

    public int[] Cached { get; } = new int[count];

    public int[] Prefill { get; } = new int[count];

    public int[] Decode { get; } = new int[count];

    public int PromptBlocks { get; set; } = 10;

    public int Pick(IRoutingPolicy policy) =>
        policy.Pick(new RoutingCandidates(Workers, Overlap, Cached, Prefill, Decode, PromptBlocks, 0));
}
