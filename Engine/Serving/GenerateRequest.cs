namespace DynamoOrleans.Engine.Serving;

/// <summary>A request as the engine sees it: token ids in, sampling parameters, an optional priority (lower runs first).</summary>
public sealed record GenerateRequest(string RequestId, IReadOnlyList<int> PromptTokenIds, SamplingParams Sampling)
{
    public int Priority { get; init; }
}
