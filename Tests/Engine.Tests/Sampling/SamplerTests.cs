using DynamoOrleans.Engine.Sampling;
using DynamoOrleans.Engine.Scheduling;
using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Engine.Tests.Sampling;

public class SamplerTests
{
    private const int Vocab = 8;
    private const int Eos = 7;

    [Fact]
    public void Sample_Greedy_PicksArgmax()
    {
        var sampler = NewSampler();
        var token = sampler.Sample(Logits(3, 2f), NewSequence(new() { Temperature = 0 }));
        Assert.Equal(3, token.TokenId);
        Assert.True(float.IsNaN(token.Logprob));
        Assert.Null(token.TopLogprobs);
    }

    [Fact]
    public void Sample_SameSeed_SameTokens()
    {
        var sampling = new SamplingParams { Temperature = 1f, Seed = 42 };
        int[] Draw()
        {
            var sampler = NewSampler(sharedSeed: Random.Shared.Next());
            var seq = NewSequence(sampling);
            seq.Random = new Random(42);
            return Enumerable.Range(0, 50).Select(_ => sampler.Sample(Flat(), seq).TokenId).ToArray();
        }

        var first = Draw();
        Assert.Equal(first, Draw());
        Assert.True(first.Distinct().Count() > 3);
    }

    [Fact]
    public void Sample_LargeLogitsLowTemperature_DoesNotOverflow()
    {
        var sampler = NewSampler();
        var seq = NewSequence(new() { Temperature = 0.01f, TopP = 0.9f });
        var logits = new float[] { 900f, 1000f, 999.5f, 0, 0, 0, 0, 0 };
        for (var i = 0; i < 20; i++)
            Assert.Equal(1, sampler.Sample(logits.ToArray(), seq).TokenId);
    }

    [Fact]
    public void Sample_TopKOne_IsGreedy()
    {
        var sampler = NewSampler();
        var seq = NewSequence(new() { Temperature = 5f, TopK = 1 });
        for (var i = 0; i < 20; i++)
            Assert.Equal(2, sampler.Sample(Logits(2, 0.1f), seq).TokenId);
    }

    [Fact]
    public void Sample_TopK_OnlyTheKMostLikely()
    {
        var sampler = NewSampler();
        var seq = NewSequence(new() { Temperature = 1f, TopK = 3 });
        var seen = new HashSet<int>();
        for (var i = 0; i < 300; i++)
            seen.Add(sampler.Sample([0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f], seq).TokenId);
        Assert.Equal([5, 6, 7], seen.Order());
    }

    [Fact]
    public void Sample_TopP_KeepsSmallestNucleus()
    {
        // Probabilities 0.5, 0.3, 0.2 (rest ~0): top_p 0.75 keeps the first two.
        var logits = new float[] { MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.2f), -50, -50, -50, -50, -50 };
        var sampler = NewSampler();
        var seq = NewSequence(new() { Temperature = 1f, TopP = 0.75f });
        var seen = new HashSet<int>();
        for (var i = 0; i < 300; i++)
            seen.Add(sampler.Sample(logits.ToArray(), seq).TokenId);
        Assert.Equal([0, 1], seen.Order());
    }

    [Fact]
    public void Sample_TopPWideNucleus_GrowsCandidatesBeyondFirstRound()
    {
        // Nearly flat over 1000 tokens: the nucleus for 0.5 holds ~480 tokens, far past the first 64 gathered.
        const int vocab = 1000;
        var logits = Enumerable.Range(0, vocab).Select(i => i * 0.001f).ToArray();
        var probs = logits.Select(MathF.Exp).ToArray();
        var total = probs.Sum();
        var mass = 0f;
        var smallestKept = vocab;
        while (mass < 0.5f * total)
            mass += probs[--smallestKept];
        var sampler = new Sampler(vocab, [], new Random(1));
        var seq = new Sequence(0, "r", [0], new SamplingParams { Temperature = 1f, TopP = 0.5f });

        var drawn = Enumerable.Range(0, 2000).Select(_ => sampler.Sample(logits.ToArray(), seq).TokenId).ToList();

        Assert.All(drawn, t => Assert.InRange(t, smallestKept, vocab - 1));
        Assert.True(drawn.Min() < smallestKept + 50, "draws should reach the bottom of the nucleus");
    }

    [Fact]
    public void Sample_MinP_DropsTokensBelowFractionOfMax()
    {
        var logits = new float[] { MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.1f), MathF.Log(0.1f), -50, -50, -50, -50 };
        var sampler = NewSampler();
        var seq = NewSequence(new() { Temperature = 1f, MinP = 0.5f });
        var seen = new HashSet<int>();
        for (var i = 0; i < 300; i++)
            seen.Add(sampler.Sample(logits.ToArray(), seq).TokenId);
        Assert.Equal([0, 1], seen.Order());
    }

    [Fact]
    public void Sample_RepetitionPenalty_DividesPositiveMultipliesNegative()
    {
        var sampler = NewSampler();
        var seq = NewSequence(new() { Temperature = 0, RepetitionPenalty = 2f }, prompt: [0, 1]);
        var logits = new float[] { 4f, -1f, 2.5f, 0, 0, 0, 0, 0 };

        Assert.Equal(2, sampler.Sample(logits, seq).TokenId);
        Assert.Equal([2f, -2f], logits[..2]);
    }

    [Fact]
    public void Sample_FrequencyAndPresence_CountOutputTokensOnly()
    {
        var sampler = NewSampler();
        var seq = NewSequence(new() { Temperature = 0, FrequencyPenalty = 1f, PresencePenalty = 0.5f }, prompt: [2]);
        seq.AppendToken(1);
        seq.AppendToken(1);
        var logits = new float[] { 0f, 3f, 1f, 0, 0, 0, 0, 0 };

        sampler.Sample(logits, seq);

        Assert.Equal(3f - 2f - 0.5f, logits[1]);
        Assert.Equal(1f, logits[2]);
    }

    [Fact]
    public void Sample_BelowMinTokens_MasksEosAndStopTokens()
    {
        var sampler = NewSampler();
        var seq = NewSequence(new() { Temperature = 0, MinTokens = 1, StopTokenIds = [6] });
        var logits = new float[] { 0, 0, 0, 0, 0, 1f, 9f, 10f };
        Assert.Equal(5, sampler.Sample(logits, seq).TokenId);
    }

    [Fact]
    public void Sample_Logprobs_AreRawLogSoftmaxWithSortedAlternatives()
    {
        var sampler = NewSampler();
        var seq = NewSequence(new() { Temperature = 0, Logprobs = 2, RepetitionPenalty = 3f }, prompt: [3]);
        var logits = new float[] { 0f, 1f, 2f, 3f, 0, 0, 0, 0 };
        var normalizer = MathF.Log(logits.Sum(MathF.Exp));

        var token = sampler.Sample(logits, seq);

        Assert.Equal(2, token.TokenId); // the penalty moved the pick ...
        Assert.Equal(2f - normalizer, token.Logprob, 4); // ... but not the reported logprobs
        Assert.NotNull(token.TopLogprobs);
        Assert.Equal([3, 2], token.TopLogprobs!.Select(t => t.TokenId));
        Assert.Equal(3f - normalizer, token.TopLogprobs[0].Logprob, 4);
    }

    [Fact]
    public void Sample_GreedyAndSeededHotPath_DoNotAllocate()
    {
        var sampler = NewSampler(vocab: 4096);
        var greedy = NewSequence(new() { Temperature = 0, RepetitionPenalty = 1.1f, FrequencyPenalty = 0.1f }, vocab: 4096);
        var random = NewSequence(new() { Temperature = 0.8f, TopK = 50, TopP = 0.9f, MinP = 0.01f }, vocab: 4096);
        random.Random = new Random(1);
        var generator = new Random(3);
        var rows = Enumerable.Range(0, 20).Select(_ => Enumerable.Range(0, 4096).Select(_ => (float)generator.NextDouble() * 10).ToArray()).ToArray();
        sampler.Sample(rows[0].ToArray(), greedy);
        sampler.Sample(rows[0].ToArray(), random);

        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var row in rows)
        {
            sampler.Sample(row, greedy);
            sampler.Sample(row, random);
        }
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(500)]
    [InlineData(1024)]
    [InlineData(1025)]
    [InlineData(3000)]
    public void KthLargest_HeapAndQuickSelect_MatchSort(int k)
    {
        var random = new Random(k);
        var values = Enumerable.Range(0, 3000).Select(_ => (float)random.Next(400)).ToArray();
        var expected = values.OrderDescending().ElementAt(k - 1);
        Assert.Equal(expected, Selection.KthLargest(values, k, new float[values.Length]));
        Assert.Equal(expected, Selection.QuickSelect(values.ToArray(), k));
    }

    private static Sampler NewSampler(int sharedSeed = 1, int vocab = Vocab) => new(vocab, [Eos], new Random(sharedSeed));

    private static Sequence NewSequence(SamplingParams sampling, int[]? prompt = null, int vocab = Vocab) =>
        new(0, "r", prompt ?? [0], sampling);

    private static float[] Logits(int hot, float value)
    {
        var logits = new float[Vocab];
        logits[hot] = value;
        return logits;
    }

    private static float[] Flat() => new float[Vocab];
}
