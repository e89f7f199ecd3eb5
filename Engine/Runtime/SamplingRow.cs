namespace DynamoOrleans.Engine.Runtime;

/// <summary>
/// How one logits row is sampled on the device. <see cref="Uniform"/> in [0, 1) is drawn by the caller from
/// the request's seeded generator, so a seed gives the same tokens on any backend that walks the same
/// distribution in index order.
/// </summary>
public readonly record struct SamplingRow(float Temperature, int TopK, float TopP, float Uniform)
{
    public static SamplingRow Greedy => new(0f, 0, 1f, 0f);
}
