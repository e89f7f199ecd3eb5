namespace DynamoOrleans.Engine.Tests.Backends.Cuda;

public sealed class RopeKernelTests(CudaFixture cuda) : IClassFixture<CudaFixture>
{
    [GpuTheory]
    [InlineData(32, false)]
    [InlineData(64, true)]
    [InlineData(128, true)]
    [InlineData(128, false)]
    public void QkNormRope_RandomHeads_MatchesRotateHalfReference(int headDim, bool qkNorm)
    {
        var random = new Random(headDim);
        const int tokens = 6, hq = 4, hkv = 2;
        const float eps = 1e-6f;
        var width = (hq + 2 * hkv) * headDim;
        var (qkv, qkvF) = Bf16.Random(random, tokens * width, 3f);
        int[] positions = [0, 1, 7, 100, 4095, 40_000];
        var invFreq = new float[headDim / 2];
        for (var i = 0; i < invFreq.Length; i++)
            invFreq[i] = 1f / MathF.Pow(1e6f, 2f * i / headDim);
        var (qNorm, qNormF) = Bf16.Random(random, headDim);
        var (kNorm, kNormF) = Bf16.Random(random, headDim);

        using var dQkv = cuda.Upload<ushort>(qkv);
        using var dPos = cuda.Upload<int>(positions);
        using var dInv = cuda.Upload<float>(invFreq);
        using var dQn = cuda.Upload<ushort>(qNorm);
        using var dKn = cuda.Upload<ushort>(kNorm);
        cuda.Ops.QkNormRope(dQkv.Pointer, dPos.Pointer, dInv.Pointer, qkNorm ? dQn.Pointer : 0, qkNorm ? dKn.Pointer : 0,
            tokens, hq, hkv, headDim, eps, cuda.Stream);
        var output = Bf16.ToFloats(cuda.Download<ushort>(dQkv));

        var expected = (float[])qkvF.Clone();
        var half = headDim / 2;
        for (var t = 0; t < tokens; t++)
            for (var h = 0; h < hq + hkv; h++)
            {
                var x = expected.AsSpan(t * width + h * headDim, headDim);
                var v = new double[headDim];
                for (var i = 0; i < headDim; i++)
                    v[i] = x[i];
                if (qkNorm)
                {
                    var w = h < hq ? qNormF : kNormF;
                    var inv = 1 / Math.Sqrt(v.Sum(a => a * a) / headDim + eps);
                    for (var i = 0; i < headDim; i++)
                        v[i] *= inv * w[i];
                }
                for (var i = 0; i < half; i++)
                {
                    var angle = (double)(float)((float)positions[t] * invFreq[i]);
                    double c = Math.Cos(angle), s = Math.Sin(angle);
                    x[i] = (float)(v[i] * c - v[i + half] * s);
                    x[i + half] = (float)(v[i + half] * c + v[i] * s);
                }
            }
        Assert.True(Bf16.MaxAbsDiff(expected, output) < 0.05f, $"max diff {Bf16.MaxAbsDiff(expected, output)}");
    }

    /// <summary>With the caches given, the kernel also stores the finished keys and the values in each token's slot.</summary>
    [GpuTheory]
    [InlineData(64, true)]
    [InlineData(128, false)]
    public void QkNormRope_WithCache_StoresRotatedKeysAndValues(int headDim, bool qkNorm)
    {
        var random = new Random(headDim + 1);
        const int tokens = 4, hq = 4, hkv = 2, slots = 24;
        var width = (hq + 2 * hkv) * headDim;
        var kvWidth = hkv * headDim;
        var (qkv, _) = Bf16.Random(random, tokens * width, 3f);
        int[] positions = [3, 0, 17, 900];
        int[] slotMapping = [5, -1, 23, 0];
        var invFreq = new float[headDim / 2];
        for (var i = 0; i < invFreq.Length; i++)
            invFreq[i] = 1f / MathF.Pow(1e4f, 2f * i / headDim);
        var (norm, _) = Bf16.Random(random, headDim);

        using var dPlain = cuda.Upload<ushort>(qkv);
        using var dFused = cuda.Upload<ushort>(qkv);
        using var dPos = cuda.Upload<int>(positions);
        using var dInv = cuda.Upload<float>(invFreq);
        using var dNorm = cuda.Upload<ushort>(norm);
        using var dSlots = cuda.Upload<int>(slotMapping);
        using var dK = cuda.Device.Allocate(slots * kvWidth * 2);
        using var dV = cuda.Device.Allocate(slots * kvWidth * 2);
        dK.Fill(0, cuda.Stream);
        dV.Fill(0, cuda.Stream);
        var n = qkNorm ? dNorm.Pointer : 0;
        cuda.Ops.QkNormRope(dPlain.Pointer, dPos.Pointer, dInv.Pointer, n, n, tokens, hq, hkv, headDim, 1e-6f, cuda.Stream);
        cuda.Ops.QkNormRope(dFused.Pointer, dPos.Pointer, dInv.Pointer, n, n, tokens, hq, hkv, headDim, 1e-6f, cuda.Stream,
            dK.Pointer, dV.Pointer, dSlots.Pointer);
        var plain = cuda.Download<ushort>(dPlain);
        Assert.Equal(plain, cuda.Download<ushort>(dFused));
        var k = cuda.Download<ushort>(dK);
        var v = cuda.Download<ushort>(dV);
        for (var t = 0; t < tokens; t++)
        {
            if (slotMapping[t] < 0)
                continue;
            Assert.Equal(plain.AsSpan(t * width + hq * headDim, kvWidth), k.AsSpan(slotMapping[t] * kvWidth, kvWidth));
            Assert.Equal(plain.AsSpan(t * width + (hq + hkv) * headDim, kvWidth), v.AsSpan(slotMapping[t] * kvWidth, kvWidth));
        }
        Assert.Equal(tokens - 1, Enumerable.Range(0, slots).Count(s => v.AsSpan(s * kvWidth, kvWidth).ContainsAnyExcept((ushort)0)));
    }
}
