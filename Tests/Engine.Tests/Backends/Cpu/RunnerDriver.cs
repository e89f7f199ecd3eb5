using DynamoOrleans.Engine.Runtime;

namespace DynamoOrleans.Engine.Tests.Backends.Cpu;

/// <summary>Drives a runner the way the serving engine will: prefill (possibly in chunks) through a block table, then greedy decode steps.</summary>
internal sealed class RunnerDriver(IModelRunner runner, int maxTokens = 512, int maxBlocksPerSequence = 64)
{
    public ForwardBatch Batch { get; } = new(maxTokens, 8, maxBlocksPerSequence);

    public int Vocab => runner.VocabSize;

    /// <summary>Logits at every prompt position, prefilled in chunks of <paramref name="chunk"/> tokens.</summary>
    public float[] PrefillAll(int[] prompt, int[] blockTable, int chunk = int.MaxValue)
    {
        var logits = new float[prompt.Length * Vocab];
        var step = new float[Math.Min(chunk, prompt.Length) * Vocab];
        for (var start = 0; start < prompt.Length; start += chunk)
        {
            var n = Math.Min(chunk, prompt.Length - start);
            Batch.Clear(runner.BlockSize);
            Batch.ComputeAllLogits = true;
            Batch.AddSequence(prompt.AsSpan(start, n), start, blockTable);
            runner.Forward(Batch, step);
            step.AsSpan(0, n * Vocab).CopyTo(logits.AsSpan(start * Vocab));
        }
        return logits;
    }

    /// <summary>Prefills <paramref name="prompt"/>, then decodes <paramref name="count"/> greedy tokens one step at a time from the KV cache.</summary>
    public int[] Greedy(int[] prompt, int[] blockTable, int count)
    {
        var logits = new float[Vocab];
        Batch.Clear(runner.BlockSize);
        Batch.AddSequence(prompt, 0, blockTable);
        runner.Forward(Batch, logits);
        var result = new int[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = ArgMax(logits);
            if (i == count - 1)
                break;
            Batch.Clear(runner.BlockSize);
            Batch.AddSequence([result[i]], prompt.Length + i, blockTable);
            runner.Forward(Batch, logits);
        }
        return result;
    }

    public static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var i = 1; i < row.Length; i++)
            if (row[i] > row[best])
                best = i;
        return best;
    }

    public static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0f;
        for (var i = 0; i < a.Length; i++)
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
