using System.Numerics.Tensors;
using DynamoOrleans.Engine.Scheduling;
using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Engine.Sampling;

/// <summary>
/// Turns one row of logits into the next token of a sequence, following vLLM's order: penalties
/// (repetition over prompt and output, then frequency and presence over output), the min-tokens
/// mask on stop and EOS ids, then greedy argmax, or temperature, min-p, top-k and top-p and a
/// draw from the request's own generator (seeded requests) or the engine's.
/// </summary>
/// <remarks>
/// Logprobs follow vLLM V1's default (<c>logprobs_mode = raw_logprobs</c>): the log-softmax of the
/// model's own logits, before penalties, temperature and filters, so they describe the model and
/// not the sampling settings. The row is processed in place and every buffer is scratch sized to
/// the vocabulary, so a step allocates nothing unless top logprobs were asked for. One sampler per
/// engine thread; it is not thread-safe.
/// </remarks>
public sealed class Sampler
{
    /// <summary>Below this, temperature means greedy (vLLM's _SAMPLING_EPS); dividing by it would overflow the logits.</summary>
    public const float GreedyTemperature = 1e-5f;

    private readonly float[] _raw;
    private readonly float[] _probs;
    private readonly int[] _candidates;
    private readonly float[] _candidateProbs;
    private readonly int[] _marks;
    private readonly int[] _eosTokenIds;
    private readonly Random _sharedRandom;
    private int _stamp;

    public Sampler(int vocabSize, IReadOnlyList<int> eosTokenIds, Random sharedRandom)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, 1);
        VocabSize = vocabSize;
        _raw = new float[vocabSize];
        _probs = new float[vocabSize];
        _candidates = new int[vocabSize];
        _candidateProbs = new float[vocabSize];
        _marks = new int[vocabSize];
        _eosTokenIds = [.. eosTokenIds];
        _sharedRandom = sharedRandom;
    }

    public int VocabSize { get; }

    public IReadOnlyList<int> EosTokenIds => _eosTokenIds;

    /// <summary>
    /// Whether a runner's device sampler (temperature, top-k, top-p, one uniform number) draws from the same
    /// distribution as <see cref="Sample"/> for <paramref name="sequence"/>: no penalties, no stop-token mask,
    /// no min-p and no logprobs, which need the logits on the host.
    /// </summary>
    public static bool CanSampleOnDevice(Sequence sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        var s = sequence.Sampling;
        return s.Logprobs is null && s.RepetitionPenalty == 1f && s.FrequencyPenalty == 0f && s.PresencePenalty == 0f
            && s.MinP == 0f && sequence.NumOutputTokens >= s.MinTokens;
    }

    /// <summary>Picks the next token of <paramref name="sequence"/> from <paramref name="logits"/> (one row, modified in place).</summary>
    public SampledToken Sample(Span<float> logits, Sequence sequence)
    {
        if (logits.Length != VocabSize)
            throw new ArgumentException($"expected {VocabSize} logits, got {logits.Length}", nameof(logits));
        var sampling = sequence.Sampling;
        var wantLogprobs = sampling.Logprobs is not null;
        if (wantLogprobs)
            logits.CopyTo(_raw);

        ApplyPenalties(logits, sequence);
        if (sequence.NumOutputTokens < sampling.MinTokens)
            MaskStopTokens(logits, sampling);

        var tokenId = sampling.Temperature < GreedyTemperature
            ? TensorPrimitives.IndexOfMax(logits)
            : SampleRandom(logits, sampling, sequence.Random ?? _sharedRandom);

        if (!wantLogprobs)
            return new SampledToken(tokenId, float.NaN, null);
        return RawLogprobs(tokenId, sampling.Logprobs!.Value);
    }

    private void ApplyPenalties(Span<float> logits, Sequence sequence)
    {
        var sampling = sequence.Sampling;
        if (sampling.RepetitionPenalty != 1f)
        {
            var stamp = NextStamp();
            var penalty = sampling.RepetitionPenalty;
            foreach (var token in sequence.TokenIds)
            {
                if (_marks[token] == stamp)
                    continue;
                _marks[token] = stamp;
                logits[token] = logits[token] > 0 ? logits[token] / penalty : logits[token] * penalty;
            }
        }
        if (sampling.FrequencyPenalty != 0f || sampling.PresencePenalty != 0f)
        {
            var stamp = NextStamp();
            foreach (var token in sequence.OutputTokenIds)
            {
                logits[token] -= sampling.FrequencyPenalty;
                if (_marks[token] == stamp)
                    continue;
                _marks[token] = stamp;
                logits[token] -= sampling.PresencePenalty;
            }
        }
    }

    private void MaskStopTokens(Span<float> logits, SamplingParams sampling)
    {
        var stopTokenIds = sampling.StopTokenIds;
        for (var i = 0; i < stopTokenIds.Count; i++)
            if ((uint)stopTokenIds[i] < (uint)VocabSize)
                logits[stopTokenIds[i]] = float.NegativeInfinity;
        if (sampling.IgnoreEos)
            return;
        foreach (var token in _eosTokenIds)
            if ((uint)token < (uint)VocabSize)
                logits[token] = float.NegativeInfinity;
    }

    private int SampleRandom(Span<float> logits, SamplingParams sampling, Random random)
    {
        TensorPrimitives.Multiply(logits, 1f / sampling.Temperature, logits);
        var probs = _probs.AsSpan();
        // Shifted by the max so a low temperature cannot overflow exp; left unnormalised, since every
        // filter below is scale-free and the draw scales by the total.
        TensorPrimitives.Subtract(logits, TensorPrimitives.Max(logits), probs);
        TensorPrimitives.Exp(probs, probs);

        if (sampling.MinP > 0f)
            ZeroBelow(probs, sampling.MinP * TensorPrimitives.Max(probs));
        if (sampling.TopK > 0 && sampling.TopK < VocabSize)
            ZeroBelow(probs, KthLargest(probs, sampling.TopK));
        if (sampling.TopP < 1f)
            return SampleNucleus(probs, sampling.TopP, random);

        var target = random.NextDouble() * TensorPrimitives.Sum(probs);
        // Skip whole chunks by their vectorised sums, then walk the chunk that holds the target.
        const int chunk = 1024;
        var start = 0;
        var cumulative = 0.0;
        while (start + chunk < probs.Length)
        {
            var chunkSum = TensorPrimitives.Sum(probs.Slice(start, chunk));
            if (cumulative + chunkSum > target)
                break;
            cumulative += chunkSum;
            start += chunk;
        }
        for (var i = start; i < probs.Length; i++)
        {
            cumulative += probs[i];
            if (cumulative > target && probs[i] > 0f)
                return i;
        }
        // Rounding left the target just past the total: the last possible token.
        for (var i = probs.Length - 1; i > 0; i--)
            if (probs[i] > 0f)
                return i;
        return 0;
    }

    /// <summary>
    /// Keeps the most likely tokens whose mass first reaches <paramref name="topP"/> of what is left,
    /// and draws among them. Sorting a whole 150k-entry vocabulary costs milliseconds per token, so
    /// candidates are gathered from a growing top-k (64, 512, ...) until they hold enough mass; a
    /// model's distribution is peaked, so one or two linear passes usually settle it.
    /// </summary>
    private int SampleNucleus(ReadOnlySpan<float> probs, float topP, Random random)
    {
        var total = 0.0;
        foreach (var p in probs)
            total += p;
        var limit = topP * total;

        int numCandidates;
        var k = Math.Min(probs.Length, 64);
        while (true)
        {
            var threshold = k >= probs.Length ? float.Epsilon : Math.Max(KthLargest(probs, k), float.Epsilon);
            numCandidates = 0;
            var mass = 0.0;
            for (var i = 0; i < probs.Length; i++)
            {
                if (probs[i] < threshold)
                    continue;
                _candidates[numCandidates] = i;
                // Negated so an ascending sort puts the most likely first.
                _candidateProbs[numCandidates++] = -probs[i];
                mass += probs[i];
            }
            if (mass >= limit || k >= probs.Length)
                break;
            k = (int)Math.Min(probs.Length, k * 8L);
        }

        var keys = _candidateProbs.AsSpan(0, numCandidates);
        var ids = _candidates.AsSpan(0, numCandidates);
        keys.Sort(ids);

        var kept = 0;
        var keptMass = 0.0;
        while (kept < numCandidates && (kept == 0 || keptMass < limit))
            keptMass -= keys[kept++];

        var target = random.NextDouble() * keptMass;
        var cumulative = 0.0;
        for (var i = 0; i < kept; i++)
        {
            cumulative -= keys[i];
            if (cumulative > target)
                return ids[i];
        }
        return ids[kept - 1];
    }

    private static void ZeroBelow(Span<float> probs, float threshold)
    {
        for (var i = 0; i < probs.Length; i++)
            if (probs[i] < threshold)
                probs[i] = 0f;
    }

    /// <summary>The k-th largest probability; ties at it stay in, as vLLM's top-k keeps them.</summary>
    private float KthLargest(ReadOnlySpan<float> probs, int k) => Selection.KthLargest(probs, k, _candidateProbs);

    private SampledToken RawLogprobs(int tokenId, int numTop)
    {
        var raw = _raw.AsSpan();
        var max = TensorPrimitives.Max(raw);
        var shifted = _probs.AsSpan();
        TensorPrimitives.Subtract(raw, max, shifted);
        TensorPrimitives.Exp(shifted, shifted);
        var logNormalizer = max + MathF.Log(TensorPrimitives.Sum(shifted));
        var chosen = raw[tokenId] - logNormalizer;
        if (numTop <= 0)
            return new SampledToken(tokenId, chosen, null);

        var top = TopLogprobs.Select(raw, Math.Min(numTop, VocabSize));
        for (var i = 0; i < top.Length; i++)
            top[i] = top[i] with { Logprob = top[i].Logprob - logNormalizer };
        return new SampledToken(tokenId, chosen, top);
    }

    private int NextStamp()
    {
        if (_stamp == int.MaxValue)
        {
            Array.Clear(_marks);
            _stamp = 0;
        }
        return ++_stamp;
    }
}
