using System.Runtime.InteropServices;
using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Engine.Scheduling;

/// <summary>
/// One request's state as the engine tracks it: its tokens (prompt then output), how many of them
/// are in the KV cache, its block table and the chained hashes of its full blocks. State only: the
/// block manager, the scheduler and the sampler change it.
/// </summary>
public sealed class Sequence
{
    private readonly List<int> _tokenIds;

    public Sequence(long id, string requestId, IReadOnlyList<int> promptTokenIds, SamplingParams sampling, int priority = 0)
    {
        ArgumentNullException.ThrowIfNull(promptTokenIds);
        if (promptTokenIds.Count == 0)
            throw new ArgumentException("a prompt needs at least one token", nameof(promptTokenIds));
        Id = id;
        RequestId = requestId;
        Sampling = sampling;
        Priority = priority;
        _tokenIds = new List<int>(promptTokenIds.Count + Math.Max(sampling.MaxTokens, 0));
        for (var i = 0; i < promptTokenIds.Count; i++)
            _tokenIds.Add(promptTokenIds[i]);
        NumPromptTokens = promptTokenIds.Count;
    }

    /// <summary>Engine-wide arrival number: FCFS order among equal priorities.</summary>
    public long Id { get; }

    public string RequestId { get; }

    public SamplingParams Sampling { get; }

    /// <summary>Lower runs first.</summary>
    public int Priority { get; }

    public SequenceStatus Status { get; internal set; }

    public FinishReason? Finish { get; internal set; }

    public bool IsFinished => Status == SequenceStatus.Finished;

    public int NumPromptTokens { get; }

    public int NumTokens => _tokenIds.Count;

    public int NumOutputTokens => _tokenIds.Count - NumPromptTokens;

    /// <summary>Tokens whose keys and values are in the KV cache (computed or prefix hits).</summary>
    public int NumComputedTokens { get; internal set; }

    /// <summary>Tokens the current step computes; set by the scheduler, consumed by postprocessing.</summary>
    public int NumScheduledTokens { get; internal set; }

    /// <summary>Prompt tokens served from the prefix cache when the sequence was first admitted.</summary>
    public int NumCachedPromptTokens { get; internal set; }

    /// <summary>Leading blocks already offered to the prefix cache (hits, or blocks this sequence stored).</summary>
    public int NumCommittedBlocks { get; internal set; }

    public int NumPreemptions { get; internal set; }

    /// <summary>True once the sequence has been admitted at least once (so a resumption is not counted as a new prompt).</summary>
    public bool WasAdmitted { get; internal set; }

    public ReadOnlySpan<int> TokenIds => CollectionsMarshal.AsSpan(_tokenIds);

    public ReadOnlySpan<int> OutputTokenIds => CollectionsMarshal.AsSpan(_tokenIds)[NumPromptTokens..];

    public int LastTokenId => _tokenIds[^1];

    /// <summary>KV block ids, in position order.</summary>
    public List<int> BlockTable { get; } = [];

    /// <summary>Chained hashes of the full blocks hashed so far (see <see cref="Kv.BlockHasher"/>).</summary>
    public List<ulong> SequenceHashes { get; } = [];

    /// <summary>Per-block hashes matching <see cref="SequenceHashes"/>.</summary>
    public List<ulong> LocalHashes { get; } = [];

    /// <summary>True while the sequence still has prompt (or resumed) tokens to compute beyond the next decode.</summary>
    public bool IsPrefilling => NumTokens - NumComputedTokens > 1 || !WasAdmitted;

    /// <summary>The sampler's per-request generator; set for seeded requests.</summary>
    public Random? Random { get; internal set; }

    public void AppendToken(int tokenId) => _tokenIds.Add(tokenId);

    public override string ToString() =>
        $"seq {Id} ({RequestId}) {Status} tokens {NumTokens} computed {NumComputedTokens} blocks {BlockTable.Count}";
}
