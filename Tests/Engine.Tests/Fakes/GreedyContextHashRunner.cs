using DynamoOrleans.Engine.Runtime;

namespace DynamoOrleans.Engine.Tests.Fakes;

/// <summary>A <see cref="ContextHashRunner"/> that also picks argmax tokens itself, counting which path the engine took.</summary>
internal sealed class GreedyContextHashRunner(int blockSize = 4, int numKvBlocks = 64) : IGreedyModelRunner
{
    private readonly ContextHashRunner _inner = new(blockSize, numKvBlocks);

    public int BlockSize => _inner.BlockSize;

    public int NumKvBlocks => _inner.NumKvBlocks;

    public int VocabSize => _inner.VocabSize;

    public int MaxContextLength => _inner.MaxContextLength;

    public int NumForwardCalls { get; private set; }

    public int NumGreedyCalls { get; private set; }

    public void Forward(ForwardBatch batch, Span<float> logits)
    {
        NumForwardCalls++;
        _inner.Forward(batch, logits);
    }

    public void ForwardGreedy(ForwardBatch batch, Span<int> tokens)
    {
        NumGreedyCalls++;
        var logits = new float[batch.NumLogitRows * VocabSize];
        _inner.Forward(batch, logits);
        for (var row = 0; row < batch.NumLogitRows; row++)
            tokens[row] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax<float>(logits.AsSpan(row * VocabSize, VocabSize));
    }

    public void Dispose() => _inner.Dispose();
}
