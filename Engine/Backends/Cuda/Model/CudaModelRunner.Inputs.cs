using DynamoOrleans.Engine.Runtime;

namespace DynamoOrleans.Engine.Backends.Cuda.Model;

/// <summary>Checks a batch against the runner's limits and packs its integer inputs into the pinned staging region.</summary>
public sealed partial class CudaModelRunner
{
    /// <summary>Validates the batch and stages ids, positions, token→sequence, slots, logit rows and block tables; returns the longest context.</summary>
    private int PackInputs(ForwardBatch batch)
    {
        var tokens = batch.NumTokens;
        if (tokens == 0)
            throw new ArgumentException("batch holds no tokens", nameof(batch));
        if (tokens > MaxBatchTokens)
            throw new ArgumentException($"batch holds {tokens} tokens; this runner was sized for {MaxBatchTokens}", nameof(batch));
        if (batch.NumSequences > MaxSequences)
            throw new ArgumentException($"batch holds {batch.NumSequences} sequences; this runner was sized for {MaxSequences}", nameof(batch));

        var b = _buffers;
        var ids = b.HostSection(0, tokens);
        var positions = b.HostSection(1, tokens);
        var tokenSeq = b.HostSection(2, tokens);
        var slots = b.HostSection(3, tokens);
        var rows = b.HostSection(4, tokens);
        var tables = b.HostSection(5, batch.NumSequences * b.MaxBlocksPerSequence);
        var maxContext = 0;
        for (var s = 0; s < batch.NumSequences; s++)
        {
            int start = batch.QueryStarts[s], end = batch.QueryStarts[s + 1];
            if (end <= start)
                throw new ArgumentException($"sequence {s} has no query tokens", nameof(batch));
            var context = batch.ContextLengths[s];
            if (context > MaxContextLength)
                throw new ArgumentException($"sequence {s} reaches {context} tokens; the longest context is {MaxContextLength}", nameof(batch));
            maxContext = Math.Max(maxContext, context);
            var table = batch.BlockTable(s);
            foreach (var block in table)
                if ((uint)block >= (uint)NumKvBlocks)
                    throw new ArgumentException($"sequence {s} refers to KV block {block}; blocks run from 0 to {NumKvBlocks - 1}", nameof(batch));
            table.CopyTo(tables.Slice(s * b.MaxBlocksPerSequence));
            for (var t = start; t < end; t++)
            {
                var id = batch.TokenIds[t];
                if ((uint)id >= (uint)VocabSize)
                    throw new ArgumentException($"token id {id} is outside the vocabulary of {VocabSize}", nameof(batch));
                var position = batch.Positions[t];
                ids[t] = id;
                positions[t] = position;
                tokenSeq[t] = s;
                slots[t] = table[position / BlockSize] * BlockSize + position % BlockSize;
            }
            if (!batch.ComputeAllLogits)
                rows[s] = end - 1;
        }
        if (batch.ComputeAllLogits)
            for (var t = 0; t < tokens; t++)
                rows[t] = t;
        return maxContext;
    }

    /// <summary>
    /// Fills decode slots n..bucket-1 of a graph bucket with harmless work: token 0 at position 0 of sequence 0,
    /// no KV write (slot -1); their logits rows are computed and ignored.
    /// </summary>
    private void PadDecodeInputs(int n, int bucket)
    {
        var b = _buffers;
        b.HostSection(0, bucket)[n..].Clear();
        b.HostSection(1, bucket)[n..].Clear();
        b.HostSection(2, bucket)[n..].Clear();
        b.HostSection(3, bucket)[n..].Fill(-1);
        var rows = b.HostSection(4, bucket);
        for (var i = n; i < bucket; i++)
            rows[i] = i;
    }

    /// <summary>One copy for every section, up to the last block table in use.</summary>
    private void UploadInputs(int sequences)
    {
        var b = _buffers;
        var count = 5 * b.MaxTokens + sequences * b.MaxBlocksPerSequence;
        b.IntsHost.CopyToDevice(b.Ints.Pointer, 0, 4L * count, _stream);
    }
}
