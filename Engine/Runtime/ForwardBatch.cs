namespace DynamoOrleans.Engine.Runtime;

/// <summary>
/// One forward step's inputs, flattened across sequences as nano-vllm does: the query tokens of
/// every sequence back to back, each sequence's slice of them, and its block table. The object is
/// reused from step to step, so the scheduler's hot path allocates nothing.
/// </summary>
/// <remarks>
/// Sequence <c>s</c> owns query tokens <c>[QueryStarts[s], QueryStarts[s+1])</c>. Its first query
/// token sits at position <c>ContextLengths[s] - QueryLength(s)</c>: everything before it is already
/// in the KV cache (a prefix hit or earlier steps). Position <c>p</c> of sequence <c>s</c> lives in
/// KV slot <c>BlockTable(s)[p / blockSize] * blockSize + p % blockSize</c>; the runner writes the
/// new tokens' keys and values there before attending.
/// </remarks>
public sealed class ForwardBatch
{
    private int _blockSize = 1;

    public ForwardBatch(int maxTokens, int maxSequences, int maxBlocksPerSequence)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequences, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBlocksPerSequence, 1);
        TokenIds = new int[maxTokens];
        Positions = new int[maxTokens];
        QueryStarts = new int[maxSequences + 1];
        ContextLengths = new int[maxSequences];
        BlockTables = new int[maxSequences * maxBlocksPerSequence];
        MaxBlocksPerSequence = maxBlocksPerSequence;
    }

    public int NumTokens { get; private set; }

    public int NumSequences { get; private set; }

    public int MaxBlocksPerSequence { get; }

    public int MaxTokens => TokenIds.Length;

    public int MaxSequences => ContextLengths.Length;

    /// <summary>When set, the runner returns logits for every query token, not just the last of each sequence.</summary>
    public bool ComputeAllLogits { get; set; }

    public int[] TokenIds { get; }

    public int[] Positions { get; }

    public int[] QueryStarts { get; }

    public int[] ContextLengths { get; }

    public int[] BlockTables { get; }

    /// <summary>Rows of logits the runner writes: one per sequence, or one per token with <see cref="ComputeAllLogits"/>.</summary>
    public int NumLogitRows => ComputeAllLogits ? NumTokens : NumSequences;

    public int QueryLength(int sequence) => QueryStarts[sequence + 1] - QueryStarts[sequence];

    public ReadOnlySpan<int> BlockTable(int sequence) =>
        BlockTables.AsSpan(sequence * MaxBlocksPerSequence, BlocksFor(ContextLengths[sequence], _blockSize));

    public void Clear(int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        _blockSize = blockSize;
        NumTokens = 0;
        NumSequences = 0;
        ComputeAllLogits = false;
        QueryStarts[0] = 0;
    }

    /// <summary>Appends a sequence whose <paramref name="queryTokens"/> follow <paramref name="cachedLength"/> tokens already in the KV cache.</summary>
    public void AddSequence(ReadOnlySpan<int> queryTokens, int cachedLength, ReadOnlySpan<int> blockTable)
    {
        if (NumSequences == MaxSequences)
            throw new InvalidOperationException($"batch holds at most {MaxSequences} sequences");
        if (NumTokens + queryTokens.Length > MaxTokens)
            throw new InvalidOperationException($"batch holds at most {MaxTokens} tokens");
        var contextLength = cachedLength + queryTokens.Length;
        var blocksNeeded = BlocksFor(contextLength, _blockSize);
        if (blockTable.Length < blocksNeeded || blocksNeeded > MaxBlocksPerSequence)
            throw new ArgumentException($"block table has {blockTable.Length} blocks; {blocksNeeded} needed for {contextLength} tokens (max {MaxBlocksPerSequence})");

        var s = NumSequences;
        queryTokens.CopyTo(TokenIds.AsSpan(NumTokens));
        for (var i = 0; i < queryTokens.Length; i++)
            Positions[NumTokens + i] = cachedLength + i;
        blockTable[..blocksNeeded].CopyTo(BlockTables.AsSpan(s * MaxBlocksPerSequence));
        ContextLengths[s] = contextLength;
        NumTokens += queryTokens.Length;
        QueryStarts[s + 1] = NumTokens;
        NumSequences = s + 1;
    }

    public static int BlocksFor(int tokens, int blockSize) => (tokens + blockSize - 1) / blockSize;
}
