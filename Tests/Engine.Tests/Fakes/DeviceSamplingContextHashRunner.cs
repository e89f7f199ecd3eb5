using System.Numerics.Tensors;
using DynamoOrleans.Engine.Runtime;

namespace DynamoOrleans.Engine.Tests.Fakes;

/// <summary>
/// A <see cref="ContextHashRunner"/> that also picks tokens itself, counting which path the engine took. Its
/// "sampling" maps the uniform number straight to a token, so a test can see which numbers each row got.
/// </summary>
internal sealed class DeviceSamplingContextHashRunner(int blockSize = 4, int numKvBlocks = 64) : IDeviceSamplingRunner
{
    private readonly ContextHashRunner _inner = new(blockSize, numKvBlocks);

    public int BlockSize => _inner.BlockSize;

    public int NumKvBlocks => _inner.NumKvBlocks;

    public int VocabSize => _inner.VocabSize;

    public int MaxContextLength => _inner.MaxContextLength;

    public int NumForwardCalls { get; private set; }

    public int NumGreedyCalls { get; private set; }

    public int NumSampleCalls { get; private set; }

    public void Forward(ForwardBatch batch, Span<float> logits)
    {
        NumForwardCalls++;
        _inner.Forward(batch, logits);
    }

    public void ForwardGreedy(ForwardBatch batch, Span<int> tokens)
    {
        NumGreedyCalls++;
        Argmax(batch, tokens);
    }

    public void ForwardSample(ForwardBatch batch, ReadOnlySpan<SamplingRow> sampling, Span<int> tokens)
    {
        NumSampleCalls++;
        Argmax(batch, tokens);
        for (var row = 0; row < batch.NumLogitRows; row++)
            if (sampling[row].Temperature > 0)
                tokens[row] = (int)(sampling[row].Uniform * VocabSize);
    }

    public void Dispose() => _inner.Dispose();

    private void Argmax(ForwardBatch batch, Span<int> tokens)
    {
        var logits = new float[batch.NumLogitRows * VocabSize];
        _inner.Forward(batch, logits);
        for (var row = 0; row < batch.NumLogitRows; row++)
            tokens[row] = TensorPrimitives.IndexOfMax<float>(logits.AsSpan(row * VocabSize, VocabSize));
    }
}
