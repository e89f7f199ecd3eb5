using DynamoOrleans.Engine.Runtime;

namespace DynamoOrleans.Engine.Tests.Fakes;

/// <summary>
/// A deterministic stand-in model whose logits depend on the whole context, read back through the
/// paged KV cache: each forward writes (token, position) into the slots the block table names, then
/// hashes the sequence's context from those slots. A wrong block table, a slot overwritten by
/// another sequence or a missing prefix changes the logits or throws, so equal outputs prove the
/// cache bookkeeping right. <see cref="NextToken"/> gives the greedy reference without any cache.
/// </summary>
internal sealed class ContextHashRunner : IModelRunner
{
    private readonly int[] _slotTokens;
    private readonly int[] _slotPositions;

    public ContextHashRunner(int blockSize = 4, int numKvBlocks = 64, int vocabSize = 97, int maxContextLength = 4096)
    {
        BlockSize = blockSize;
        NumKvBlocks = numKvBlocks;
        VocabSize = vocabSize;
        MaxContextLength = maxContextLength;
        _slotTokens = new int[numKvBlocks * blockSize];
        _slotPositions = new int[numKvBlocks * blockSize];
        Array.Fill(_slotPositions, -1);
    }

    public int BlockSize { get; }

    public int NumKvBlocks { get; }

    public int VocabSize { get; }

    public int MaxContextLength { get; }

    public long NumForwardCalls { get; private set; }

    public long NumTokensComputed { get; private set; }

    public int MaxTokensInOneForward { get; private set; }

    /// <summary>Runs before each forward; a test throws from it to simulate a runner failure.</summary>
    public Action<ForwardBatch>? BeforeForward { get; set; }

    public void Forward(ForwardBatch batch, Span<float> logits)
    {
        BeforeForward?.Invoke(batch);
        NumForwardCalls++;
        NumTokensComputed += batch.NumTokens;
        MaxTokensInOneForward = Math.Max(MaxTokensInOneForward, batch.NumTokens);
        for (var s = 0; s < batch.NumSequences; s++)
        {
            var table = batch.BlockTable(s);
            for (var t = batch.QueryStarts[s]; t < batch.QueryStarts[s + 1]; t++)
            {
                var slot = Slot(table, batch.Positions[t]);
                _slotTokens[slot] = batch.TokenIds[t];
                _slotPositions[slot] = batch.Positions[t];
            }
        }
        for (var s = 0; s < batch.NumSequences; s++)
        {
            var table = batch.BlockTable(s);
            ulong hash = 17;
            for (var p = 0; p < batch.ContextLengths[s]; p++)
            {
                var slot = Slot(table, p);
                if (_slotPositions[slot] != p)
                    throw new InvalidOperationException($"sequence {s}: slot {slot} holds position {_slotPositions[slot]}, expected {p}");
                hash = Mix(hash, _slotTokens[slot]);
            }
            FillLogits(hash, logits.Slice(s * VocabSize, VocabSize));
        }
    }

    public void Dispose()
    {
    }

    /// <summary>The greedy next token after <paramref name="context"/>, computed without a cache.</summary>
    public int NextToken(ReadOnlySpan<int> context)
    {
        ulong hash = 17;
        foreach (var token in context)
            hash = Mix(hash, token);
        Span<float> row = stackalloc float[VocabSize];
        FillLogits(hash, row);
        var best = 0;
        for (var i = 1; i < row.Length; i++)
            if (row[i] > row[best])
                best = i;
        return best;
    }

    /// <summary>Greedy continuation of <paramref name="prompt"/> by <paramref name="numTokens"/> tokens.</summary>
    public int[] Reference(IReadOnlyList<int> prompt, int numTokens)
    {
        var context = prompt.ToList();
        for (var i = 0; i < numTokens; i++)
            context.Add(NextToken(context.ToArray()));
        return context.Skip(prompt.Count).ToArray();
    }

    private int Slot(ReadOnlySpan<int> table, int position) =>
        table[position / BlockSize] * BlockSize + position % BlockSize;

    private static void FillLogits(ulong hash, Span<float> row)
    {
        for (var v = 0; v < row.Length; v++)
            row[v] = (Mix(hash, v) % 10_000) / 1000f;
    }

    private static ulong Mix(ulong hash, int value)
    {
        hash ^= (ulong)(uint)value + 0x9E3779B97F4A7C15UL + (hash << 6) + (hash >> 2);
        hash *= 0xBF58476D1CE4E5B9UL;
        return hash ^ (hash >> 31);
    }
}
