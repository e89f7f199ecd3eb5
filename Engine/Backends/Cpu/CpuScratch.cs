namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>
/// Every activation buffer one forward step needs, sized once for the largest batch so that steps
/// allocate nothing. The MLP's wide intermediates hold only <see cref="MlpChunkTokens"/> tokens at a
/// time, which bounds their size for long prefills.
/// </summary>
internal sealed unsafe class CpuScratch : IDisposable
{
    public const int MlpChunkTokens = 256;

    private readonly List<IDisposable> _owned = [];

    public CpuScratch(int maxTokens, int hidden, int qDim, int kvDim, int intermediate, int headDim)
    {
        MaxTokens = maxTokens;
        var mlpTokens = Math.Min(maxTokens, MlpChunkTokens);
        Hidden = Floats((long)maxTokens * hidden);
        Normed = Floats((long)maxTokens * hidden);
        Projected = Floats((long)maxTokens * hidden);
        Q = Floats((long)maxTokens * qDim);
        K = Floats((long)maxTokens * kvDim);
        V = Floats((long)maxTokens * kvDim);
        Attention = Floats((long)maxTokens * qDim);
        Gate = Floats((long)mlpTokens * intermediate);
        Up = Floats((long)mlpTokens * intermediate);
        Cos = Floats((long)maxTokens * (headDim / 2));
        Sin = Floats((long)maxTokens * (headDim / 2));
        LogitHidden = Floats((long)maxTokens * hidden);
        var sequences = new NativeBuffer<int>(maxTokens);
        _owned.Add(sequences);
        TokenSequence = sequences.Pointer;
    }

    public int MaxTokens { get; }

    /// <summary>The residual stream, <c>[tokens, hidden]</c>.</summary>
    public float* Hidden { get; }

    public float* Normed { get; }

    /// <summary>Output of o_proj and down_proj before the residual add.</summary>
    public float* Projected { get; }

    public float* Q { get; }

    public float* K { get; }

    public float* V { get; }

    public float* Attention { get; }

    public float* Gate { get; }

    public float* Up { get; }

    public float* Cos { get; }

    public float* Sin { get; }

    /// <summary>The hidden rows whose logits are wanted, gathered and normalised.</summary>
    public float* LogitHidden { get; }

    /// <summary>Which sequence of the batch each token belongs to.</summary>
    public int* TokenSequence { get; }

    public void Dispose()
    {
        foreach (var b in _owned)
            b.Dispose();
        _owned.Clear();
    }

    private float* Floats(long count)
    {
        var buffer = new NativeBuffer<float>(count);
        _owned.Add(buffer);
        return buffer.Pointer;
    }
}
