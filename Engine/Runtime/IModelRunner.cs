namespace DynamoOrleans.Engine.Runtime;

/// <summary>
/// Owns a device (CPU or GPU), the model weights on it and the paged KV cache, and runs forward
/// steps. It knows nothing of requests or scheduling: the block manager hands out block ids and
/// the scheduler fills a <see cref="ForwardBatch"/>.
/// </summary>
public interface IModelRunner : IDisposable
{
    /// <summary>Tokens per KV block.</summary>
    int BlockSize { get; }

    /// <summary>Blocks in the KV cache; block ids run from 0 to NumKvBlocks - 1.</summary>
    int NumKvBlocks { get; }

    int VocabSize { get; }

    /// <summary>Longest context (prompt + output) the model serves.</summary>
    int MaxContextLength { get; }

    /// <summary>
    /// Writes the batch's new keys and values into the KV cache, attends over each sequence's
    /// cached prefix plus its new tokens (causally), and writes fp32 logits,
    /// <c>[batch.NumLogitRows, VocabSize]</c> row-major, into <paramref name="logits"/>.
    /// </summary>
    void Forward(ForwardBatch batch, Span<float> logits);
}
