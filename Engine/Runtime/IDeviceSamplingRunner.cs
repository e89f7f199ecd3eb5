namespace DynamoOrleans.Engine.Runtime;

/// <summary>
/// A runner that can pick tokens where the logits are, so a step moves token ids instead of every fp32 logit
/// row (on a GPU, 64 rows of a 152k vocabulary are 39 MB a step, and sampling them on one host thread costs more).
/// </summary>
public interface IDeviceSamplingRunner : IModelRunner
{
    /// <summary>Runs <see cref="IModelRunner.Forward"/>'s step and writes each logit row's argmax (lowest index on ties) into <paramref name="tokens"/>.</summary>
    void ForwardGreedy(ForwardBatch batch, Span<int> tokens);

    /// <summary>
    /// Runs the step and samples each logit row as its <see cref="SamplingRow"/> says (temperature 0: argmax;
    /// otherwise softmax at the temperature, top-k, top-p, then the caller's uniform number walks the kept
    /// distribution in index order).
    /// </summary>
    void ForwardSample(ForwardBatch batch, ReadOnlySpan<SamplingRow> sampling, Span<int> tokens);
}
