using System.Runtime.InteropServices;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Engine.Runtime;
using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Engine.Scheduling;

/// <summary>
/// Continuous batching under a per-step token budget. Each step first gives every decoding
/// sequence its one token, then continues chunked prefills of running sequences, then admits
/// waiting sequences (prefix hits first, a chunk of the rest) while budget, sequence slots and
/// blocks last. When a running sequence needs a block and none is free, the lowest-priority,
/// latest-arrived running sequence is preempted by recompute: it drops its blocks (its computed
/// full blocks stay in the prefix cache) and waits again at the head of its priority.
/// </summary>
public sealed class Scheduler
{
    private readonly BlockManager _blocks;
    private readonly SortedSet<Sequence> _waiting = new(SequenceOrder.Instance);
    private readonly List<Sequence> _running = [];
    private readonly List<Sequence> _scheduled = [];

    public Scheduler(BlockManager blocks, int maxBatchTokens, int maxSequences)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequences, 1);
        _blocks = blocks;
        MaxBatchTokens = maxBatchTokens;
        MaxSequences = maxSequences;
    }

    public int MaxBatchTokens { get; }

    public int MaxSequences { get; }

    public BlockManager Blocks => _blocks;

    public int NumWaiting => _waiting.Count;

    public int NumRunning => _running.Count;

    public bool HasWork => _waiting.Count > 0 || _running.Count > 0;

    public long NumPreemptions { get; private set; }

    /// <summary>Tokens of the waiting sequences, all still to compute (for the load report, without walking the queue).</summary>
    public long NumWaitingTokens { get; private set; }

    public IReadOnlyList<Sequence> Running => _running;

    public IEnumerable<Sequence> Waiting => _waiting;

    /// <summary>The sequences of the last <see cref="Schedule"/>, in batch order.</summary>
    public IReadOnlyList<Sequence> Scheduled => _scheduled;

    public void Add(Sequence sequence)
    {
        if (sequence.Status != SequenceStatus.Waiting || sequence.BlockTable.Count != 0)
            throw new InvalidOperationException($"{sequence} cannot be queued");
        Enqueue(sequence);
    }

    /// <summary>Chooses this step's work and writes it into <paramref name="batch"/>; returns the scheduled sequences in batch order.</summary>
    public IReadOnlyList<Sequence> Schedule(ForwardBatch batch)
    {
        _scheduled.Clear();
        foreach (var seq in _running)
            seq.NumScheduledTokens = 0;
        var budget = MaxBatchTokens;
        var numPreemptionsBefore = NumPreemptions;

        // Decodes first: one token each keeps inter-token latency flat while prefills wait their turn.
        for (var pass = 0; pass < 2; pass++)
        {
            var wantDecode = pass == 0;
            for (var i = 0; i < _running.Count && budget > 0; i++)
            {
                var seq = _running[i];
                var remaining = seq.NumTokens - seq.NumComputedTokens;
                if (seq.NumScheduledTokens > 0 || (remaining == 1) != wantDecode)
                    continue;
                var numNew = Math.Min(remaining, budget);
                if (!MakeRoom(seq, numNew, ref budget))
                    continue;
                _blocks.Append(seq, numNew);
                seq.NumScheduledTokens = numNew;
                budget -= numNew;
                _scheduled.Add(seq);
            }
        }

        // Admitting while preempting would only thrash: the freed blocks go to the running sequences first.
        if (NumPreemptions == numPreemptionsBefore)
            Admit(ref budget);

        batch.Clear(_blocks.BlockSize);
        foreach (var seq in _scheduled)
            batch.AddSequence(seq.TokenIds.Slice(seq.NumComputedTokens, seq.NumScheduledTokens), seq.NumComputedTokens, CollectionsMarshal.AsSpan(seq.BlockTable));
        return _scheduled;
    }

    /// <summary>Marks the scheduled tokens computed and offers newly full blocks to the prefix cache.</summary>
    public void CompleteStep()
    {
        foreach (var seq in _scheduled)
        {
            seq.NumComputedTokens += seq.NumScheduledTokens;
            seq.NumScheduledTokens = 0;
            _blocks.Commit(seq);
        }
    }

    /// <summary>Ends a running or waiting sequence and frees its blocks.</summary>
    public void Finish(Sequence sequence, FinishReason reason)
    {
        if (sequence.IsFinished)
            return;
        if (sequence.Status == SequenceStatus.Running)
            _running.Remove(sequence);
        else if (_waiting.Remove(sequence))
            NumWaitingTokens -= sequence.NumTokens;
        _blocks.Free(sequence);
        sequence.Status = SequenceStatus.Finished;
        sequence.Finish = reason;
    }

    /// <summary>Frees blocks until <paramref name="seq"/> can grow by <paramref name="numNew"/>; false when <paramref name="seq"/> itself had to go.</summary>
    private bool MakeRoom(Sequence seq, int numNew, ref int budget)
    {
        while (!_blocks.CanAppend(seq, numNew))
        {
            var victim = _running[^1];
            budget += victim.NumScheduledTokens;
            if (victim.NumScheduledTokens > 0)
                _scheduled.Remove(victim);
            Preempt(victim);
            if (victim == seq)
                return false;
        }
        return true;
    }

    private void Preempt(Sequence seq)
    {
        _running.RemoveAt(_running.Count - 1);
        _blocks.Free(seq);
        seq.NumScheduledTokens = 0;
        seq.Status = SequenceStatus.Waiting;
        seq.NumPreemptions++;
        NumPreemptions++;
        Enqueue(seq);
    }

    private void Enqueue(Sequence seq)
    {
        _waiting.Add(seq);
        NumWaitingTokens += seq.NumTokens;
    }

    private void Admit(ref int budget)
    {
        var blockSize = _blocks.BlockSize;
        while (_waiting.Count > 0 && budget > 0 && _running.Count < MaxSequences)
        {
            var seq = _waiting.Min!;
            var match = _blocks.Match(seq);
            var numCached = match.NumBlocks * blockSize;
            var numNew = Math.Min(seq.NumTokens - numCached, budget);
            if (!_blocks.CanAllocate(seq, match, numNew))
                break;
            _waiting.Remove(seq);
            NumWaitingTokens -= seq.NumTokens;
            _blocks.Allocate(seq, match, numNew);
            if (!seq.WasAdmitted)
            {
                seq.NumCachedPromptTokens = numCached;
                seq.WasAdmitted = true;
            }
            seq.Status = SequenceStatus.Running;
            seq.NumScheduledTokens = numNew;
            budget -= numNew;
            InsertRunning(seq);
            _scheduled.Add(seq);
        }
    }

    private void InsertRunning(Sequence seq)
    {
        var index = _running.BinarySearch(seq, SequenceOrder.Instance);
        _running.Insert(index < 0 ? ~index : index, seq);
    }
}
