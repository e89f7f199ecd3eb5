using DynamoOrleans.Engine.Runtime;

namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>Checks a batch against the runner's limits before any memory is touched, and maps tokens to sequences.</summary>
public sealed unsafe partial class CpuModelRunner
{
    private void Validate(ForwardBatch batch, Span<float> logits)
    {
        if (batch.NumTokens == 0)
            throw new ArgumentException("batch holds no tokens", nameof(batch));
        if (batch.NumTokens > MaxBatchTokens)
            throw new ArgumentException($"batch holds {batch.NumTokens} tokens; this runner was sized for {MaxBatchTokens}", nameof(batch));
        if (batch.NumSequences > _maxSequences)
            throw new ArgumentException($"batch holds {batch.NumSequences} sequences; this runner was sized for {_maxSequences}", nameof(batch));
        var needed = (long)batch.NumLogitRows * VocabSize;
        if (logits.Length < needed)
            throw new ArgumentException($"logits holds {logits.Length} floats; {needed} needed ({batch.NumLogitRows} rows × {VocabSize})", nameof(logits));

        for (var q = 0; q < batch.NumSequences; q++)
        {
            var start = batch.QueryStarts[q];
            var end = batch.QueryStarts[q + 1];
            if (end <= start)
                throw new ArgumentException($"sequence {q} has no query tokens", nameof(batch));
            var context = batch.ContextLengths[q];
            if (context > MaxContextLength)
                throw new ArgumentException($"sequence {q} reaches {context} tokens; the longest context is {MaxContextLength}", nameof(batch));
            var blocks = ForwardBatch.BlocksFor(context, BlockSize);
            if (blocks > batch.MaxBlocksPerSequence)
                throw new ArgumentException($"sequence {q} needs {blocks} blocks of {BlockSize}; the batch holds {batch.MaxBlocksPerSequence}", nameof(batch));
            var table = batch.BlockTables.AsSpan(q * batch.MaxBlocksPerSequence, blocks);
            foreach (var block in table)
                if ((uint)block >= (uint)NumKvBlocks)
                    throw new ArgumentException($"sequence {q} refers to KV block {block}; blocks run from 0 to {NumKvBlocks - 1}", nameof(batch));
            for (var t = start; t < end; t++)
            {
                _scratch.TokenSequence[t] = q;
                if ((uint)batch.TokenIds[t] >= (uint)VocabSize)
                    throw new ArgumentException($"token id {batch.TokenIds[t]} is outside the vocabulary of {VocabSize}", nameof(batch));
            }
        }
    }
}
