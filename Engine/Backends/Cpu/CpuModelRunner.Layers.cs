namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>The decoder layer and the final norm + LM head, step by step as transformers runs them.</summary>
public sealed unsafe partial class CpuModelRunner
{
    private void Attention(int layer, CpuLayerWeights w, int tokens, int* positions, int* blockTables, int blockTableStride)
    {
        var s = _scratch;
        var c = _config;
        var hidden = c.HiddenSize;
        var hd = c.HeadDim;
        var heads = c.NumAttentionHeads;
        var kvHeads = c.NumKeyValueHeads;
        var kvDim = kvHeads * hd;

        VectorOps.RmsNorm(s.Hidden, s.Normed, tokens, hidden, w.InputNorm, _eps);
        Linear(s.Normed, tokens, w.QProj, w.QBias, s.Q);
        Linear(s.Normed, tokens, w.KProj, w.KBias, s.K);
        Linear(s.Normed, tokens, w.VProj, w.VBias, s.V);

        // Qwen3 normalises every head over head_dim before the rotation.
        if (w.QNorm is { } qNorm)
            VectorOps.RmsNorm(s.Q, s.Q, tokens * heads, hd, qNorm, _eps);
        if (w.KNorm is { } kNorm)
            VectorOps.RmsNorm(s.K, s.K, tokens * kvHeads, hd, kNorm, _eps);

        var half = hd / 2;
        var keys = _cache.Keys(layer);
        var values = _cache.Values(layer);
        for (var t = 0; t < tokens; t++)
        {
            var cos = s.Cos + (long)t * half;
            var sin = s.Sin + (long)t * half;
            _rope.Apply(s.Q + (long)t * heads * hd, heads, cos, sin);
            _rope.Apply(s.K + (long)t * kvDim, kvHeads, cos, sin);

            var table = blockTables + (long)s.TokenSequence[t] * blockTableStride;
            var slot = _cache.Slot(table, positions[t]) * _cache.SlotStride;
            new ReadOnlySpan<float>(s.K + (long)t * kvDim, kvDim).CopyTo(new Span<float>(keys + slot, kvDim));
            new ReadOnlySpan<float>(s.V + (long)t * kvDim, kvDim).CopyTo(new Span<float>(values + slot, kvDim));
        }

        _attention.Run(layer, s.Q, s.Attention, tokens, positions, s.TokenSequence, blockTables, blockTableStride);
        Linear(s.Attention, tokens, w.OProj, w.OBias, s.Projected);
        VectorOps.Add(s.Hidden, s.Projected, (long)tokens * hidden);
    }

    private void Mlp(CpuLayerWeights w, int tokens)
    {
        var s = _scratch;
        var hidden = _config.HiddenSize;
        var inter = _config.IntermediateSize;
        VectorOps.RmsNorm(s.Hidden, s.Normed, tokens, hidden, w.PostAttentionNorm, _eps);
        for (var start = 0; start < tokens; start += CpuScratch.MlpChunkTokens)
        {
            var n = Math.Min(CpuScratch.MlpChunkTokens, tokens - start);
            var input = s.Normed + (long)start * hidden;
            Linear(input, n, w.GateProj, null, s.Gate);
            Linear(input, n, w.UpProj, null, s.Up);
            VectorOps.SiluMultiply(s.Gate, s.Up, n * inter);
            Linear(s.Gate, n, w.DownProj, null, s.Projected + (long)start * hidden);
        }
        VectorOps.Add(s.Hidden, s.Projected, (long)tokens * hidden);
    }

    private void Logits(Runtime.ForwardBatch batch, float* output)
    {
        var s = _scratch;
        var hidden = _config.HiddenSize;
        int rows;
        if (batch.ComputeAllLogits)
        {
            rows = batch.NumTokens;
            VectorOps.RmsNorm(s.Hidden, s.LogitHidden, rows, hidden, _finalNorm, _eps);
        }
        else
        {
            rows = batch.NumSequences;
            for (var q = 0; q < rows; q++)
            {
                var last = batch.QueryStarts[q + 1] - 1;
                new ReadOnlySpan<float>(s.Hidden + (long)last * hidden, hidden).CopyTo(new Span<float>(s.Normed + (long)q * hidden, hidden));
            }
            VectorOps.RmsNorm(s.Normed, s.LogitHidden, rows, hidden, _finalNorm, _eps);
        }
        Linear(s.LogitHidden, rows, _lmHead, null, output);
    }

    private void Linear(float* x, int tokens, CpuWeight w, float[]? bias, float* y)
    {
        fixed (float* b = bias)
            _linear.Run(x, tokens, w, b, y);
    }
}
