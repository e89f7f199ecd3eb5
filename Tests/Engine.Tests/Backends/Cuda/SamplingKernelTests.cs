namespace DynamoOrleans.Engine.Tests.Backends.Cuda;

/// <summary>Device sampling against the inverse CDF of the same distribution walked in index order on the CPU.</summary>
public sealed class SamplingKernelTests(CudaFixture cuda) : IClassFixture<CudaFixture>
{
    [GpuTheory]
    [InlineData(0.1f, 1f, 0, 3)]
    [InlineData(0.5f, 1f, 0, 10)]
    [InlineData(0.75f, 1f, 0, 500)]
    [InlineData(0.95f, 1f, 0, 999)]
    [InlineData(0.1f, 0.5f, 0, 10)]        // top-p 0.5 keeps 10 (0.4) and 500 (0.3)
    [InlineData(0.9f, 0.5f, 0, 500)]
    [InlineData(0.1f, 1f, 3, 3)]           // top-k 3 keeps 3, 10, 500
    [InlineData(0.5f, 1f, 3, 10)]
    [InlineData(0.8f, 1f, 3, 500)]
    [InlineData(0.99f, 1f, 1, 10)]         // top-k 1 is greedy
    public void SampleRows_KnownDistribution_PicksInverseCdf(float uniform, float topP, int topK, int expected)
    {
        const int vocab = 1000;
        var logits = Enumerable.Repeat(float.NegativeInfinity, vocab).ToArray();
        logits[10] = MathF.Log(0.4f);
        logits[500] = MathF.Log(0.3f);
        logits[3] = MathF.Log(0.2f);
        logits[999] = MathF.Log(0.1f);
        Assert.Equal(expected, Sample(logits, vocab, 1f, topK, topP, [uniform])[0]);
    }

    [GpuFact]
    public void SampleRows_ZeroTemperature_IsArgmaxWithLowestIndexOnTies()
    {
        var logits = Enumerable.Range(0, 2 * 5000).Select(i => (float)Math.Sin(i)).ToArray();
        logits[77] = 3f;
        logits[4000] = 3f;
        logits[5000 + 12] = 2f;
        var result = Sample(logits, 5000, 0f, 0, 1f, [0.3f, 0.9f]);
        Assert.Equal([77, 12], result);
    }

    [GpuFact]
    public void SampleRows_RandomQwenSizedRow_MatchesCpuInverseCdf()
    {
        const int vocab = 151_936, rows = 256, topK = 50;
        const float temperature = 0.7f, topP = 0.9f;
        var random = new Random(21);
        var row = Enumerable.Range(0, vocab).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
        var logits = new float[rows * vocab];
        for (var r = 0; r < rows; r++)
            row.CopyTo(logits, r * vocab);
        var uniforms = Enumerable.Range(0, rows).Select(i => (i + 0.5f) / rows).ToArray();
        var result = Sample(logits, vocab, temperature, topK, topP, uniforms);

        // CPU: top-k, then the smallest top-p prefix, then the cumulative walk in index order.
        var max = row.Max();
        var e = row.Select(x => Math.Exp((x - max) / temperature)).ToArray();
        var sorted = e.OrderByDescending(v => v).ToArray();
        var tauK = sorted[topK - 1];
        var massK = e.Where(v => v >= tauK).Sum();
        double cum = 0, tau = tauK;
        foreach (var v in sorted.Take(topK))
        {
            cum += v;
            tau = v;
            if (cum >= topP * massK)
                break;
        }
        var kept = Enumerable.Range(0, vocab).Where(i => e[i] >= tau).ToArray();
        var total = kept.Sum(i => e[i]);
        var boundaries = new List<(double Cdf, int Index)>();
        double running = 0;
        foreach (var i in kept)
        {
            running += e[i];
            boundaries.Add((running / total, i));
        }
        var compared = 0;
        for (var r = 0; r < rows; r++)
        {
            var u = (double)uniforms[r];
            if (boundaries.Any(b => Math.Abs(b.Cdf - u) < 1e-4))
                continue;
            Assert.Equal(boundaries.First(b => u < b.Cdf).Index, result[r]);
            compared++;
        }
        Assert.True(compared > rows * 0.9);
    }

    private int[] Sample(float[] logits, int vocab, float temperature, int topK, float topP, float[] uniforms)
    {
        var rows = uniforms.Length;
        using var dLogits = cuda.Upload<float>(logits);
        using var dTemp = cuda.Upload<float>(Enumerable.Repeat(temperature, rows).ToArray());
        using var dK = cuda.Upload<int>(Enumerable.Repeat(topK, rows).ToArray());
        using var dP = cuda.Upload<float>(Enumerable.Repeat(topP, rows).ToArray());
        using var dU = cuda.Upload<float>(uniforms);
        using var dOut = cuda.Device.Allocate(rows * 4);
        cuda.Ops.SampleRows(dOut.Pointer, dLogits.Pointer, dTemp.Pointer, dK.Pointer, dP.Pointer, dU.Pointer, rows, vocab, cuda.Stream);
        return cuda.Download<int>(dOut);
    }
}
