namespace DynamoOrleans.Engine.Runtime;

/// <summary>
/// A runner that can pick each logit row's argmax where the logits are, so a greedy step moves token ids
/// instead of every fp32 logit row (on a GPU, 64 rows of a 152k vocabulary are 39 MB a step).
/// </summary>
public interface IGreedyModelRunner : IModelRunner
{
    /// <summary>Runs <see cref="IModelRunner.Forward"/>'s step and writes each logit row's argmax (lowest index on ties) into <paramref name="tokens"/>.</summary>
    void ForwardGreedy(ForwardBatch batch, Span<int> tokens);
}
