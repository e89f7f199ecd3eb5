using DynamoOrleans.Engine.Backends.Cuda.Ops;

namespace DynamoOrleans.Engine.Tests.Backends.Cuda;

public sealed class ElementwiseKernelTests(CudaFixture cuda) : IClassFixture<CudaFixture>
{
    [GpuFact]
    public void EmbeddingGather_RandomIds_CopiesRowsAsFloat()
    {
        var random = new Random(1);
        const int vocab = 50, hidden = 96;
        var (table, tableF) = Bf16.Random(random, vocab * hidden);
        int[] ids = [3, 0, 49, 3, 17, 8, 22];
        using var dTable = cuda.Upload<ushort>(table);
        using var dIds = cuda.Upload<int>(ids);
        using var dOut = cuda.Device.Allocate(ids.Length * hidden * 4);
        dOut.Fill(0xff, cuda.Stream);
        cuda.Ops.EmbeddingGather(dOut.Pointer, dTable.Pointer, dIds.Pointer, ids.Length, hidden, cuda.Stream);
        var result = cuda.Download<float>(dOut);
        for (var t = 0; t < ids.Length; t++)
            Assert.Equal(tableF.AsSpan(ids[t] * hidden, hidden), result.AsSpan(t * hidden, hidden));
    }

    [GpuTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void AddRmsNorm_RandomRows_MatchesReference(bool withAdd)
    {
        var random = new Random(2);
        const int tokens = 5, hidden = 4100;
        var residual = Enumerable.Range(0, tokens * hidden).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        var (add, addF) = Bf16.Random(random, tokens * hidden);
        var (weight, weightF) = Bf16.Random(random, hidden);
        const float eps = 1e-6f;
        using var dResidual = cuda.Upload<float>(residual);
        using var dAdd = cuda.Upload<ushort>(add);
        using var dWeight = cuda.Upload<ushort>(weight);
        using var dOut = cuda.Device.Allocate(tokens * hidden * 2);
        cuda.Ops.AddRmsNorm(dOut.Pointer, dResidual.Pointer, withAdd ? dAdd.Pointer : 0, dWeight.Pointer, tokens, hidden, eps, cuda.Stream);
        var output = Bf16.ToFloats(cuda.Download<ushort>(dOut));
        var newResidual = cuda.Download<float>(dResidual);

        var expectedResidual = withAdd ? residual.Select((r, i) => r + addF[i]).ToArray() : residual;
        Assert.True(Bf16.MaxAbsDiff(expectedResidual, newResidual) < 1e-6f);
        var expected = new float[tokens * hidden];
        for (var t = 0; t < tokens; t++)
        {
            var row = expectedResidual.AsSpan(t * hidden, hidden);
            double ss = 0;
            foreach (var v in row)
                ss += (double)v * v;
            var inv = 1.0 / Math.Sqrt(ss / hidden + eps);
            for (var i = 0; i < hidden; i++)
                expected[t * hidden + i] = (float)(row[i] * inv * weightF[i]);
        }
        Assert.True(Bf16.MaxAbsDiff(expected, output) < 0.02f);
    }

    [GpuFact]
    public void SiluMul_RandomGateUp_MatchesReference()
    {
        var random = new Random(3);
        const int tokens = 4, inter = 200;
        var (gateUp, gateUpF) = Bf16.Random(random, tokens * 2 * inter, 4f);
        using var dIn = cuda.Upload<ushort>(gateUp);
        using var dOut = cuda.Device.Allocate(tokens * inter * 2);
        cuda.Ops.SiluMul(dOut.Pointer, dIn.Pointer, tokens, inter, cuda.Stream);
        var output = Bf16.ToFloats(cuda.Download<ushort>(dOut));
        var expected = new float[tokens * inter];
        for (var t = 0; t < tokens; t++)
            for (var i = 0; i < inter; i++)
            {
                double g = gateUpF[t * 2 * inter + 2 * i], u = gateUpF[t * 2 * inter + 2 * i + 1]; // interleaved
                expected[t * inter + i] = (float)(g / (1 + Math.Exp(-g)) * u);
            }
        Assert.True(Bf16.MaxAbsDiff(expected, output) < 0.1f);
    }

    [GpuFact]
    public void GatherRows_PicksRequestedRows()
    {
        var random = new Random(4);
        const int rows = 6, width = 130;
        var (data, _) = Bf16.Random(random, rows * width);
        int[] pick = [5, 0, 2];
        using var dIn = cuda.Upload<ushort>(data);
        using var dRows = cuda.Upload<int>(pick);
        using var dOut = cuda.Device.Allocate(pick.Length * width * 2);
        cuda.Ops.GatherRows(dOut.Pointer, dIn.Pointer, dRows.Pointer, pick.Length, width, cuda.Stream);
        var output = cuda.Download<ushort>(dOut);
        for (var r = 0; r < pick.Length; r++)
            Assert.Equal(data.AsSpan(pick[r] * width, width), output.AsSpan(r * width, width));
    }

    /// <summary>One block a row, and rows cut into chunks (twice, to see the counters put back to 0); ties across chunks.</summary>
    [GpuTheory]
    [InlineData(3, 151_936)]
    [InlineData(1, 151_936)]
    [InlineData(2, 128_256)]
    [InlineData(5, 1_001)]
    public void ArgmaxRows_RandomAndTiedRows_ReturnsLowestIndexOfMax(int rows, int vocab)
    {
        var random = new Random(5 + rows);
        var logits = Enumerable.Range(0, rows * vocab).Select(_ => (float)random.NextDouble()).ToArray();
        var tied = rows > 1 ? 1 : 0;
        logits[tied * vocab + 100] = 7f;
        logits[tied * vocab + vocab - 3] = 7f; // a tie in the row's last chunk
        logits[(rows - 1) * vocab + vocab - 1] = 9f; // the very last logit
        using var dLogits = cuda.Upload<float>(logits);
        using var dOut = cuda.Device.Allocate(rows * 4);
        using var scratch = cuda.Device.Allocate(8L * rows * CudaOps.MaxArgmaxChunks);
        using var counters = cuda.Upload<int>(new int[rows]);
        foreach (var chunked in new[] { false, true, true })
        {
            dOut.Fill(0xff, cuda.Stream);
            if (chunked)
                cuda.Ops.ArgmaxRows(dOut.Pointer, dLogits.Pointer, rows, vocab, cuda.Stream, scratch.Pointer, counters.Pointer);
            else
                cuda.Ops.ArgmaxRows(dOut.Pointer, dLogits.Pointer, rows, vocab, cuda.Stream);
            var result = cuda.Download<int>(dOut);
            for (var r = 0; r < rows; r++)
            {
                var row = logits.AsSpan(r * vocab, vocab);
                Assert.Equal(row.IndexOf(System.Numerics.Tensors.TensorPrimitives.Max(row)), result[r]);
            }
            if (rows > 2) // with two rows, row 1 is also the row whose last logit is the largest
                Assert.Equal(100, result[1]);
            Assert.Equal(vocab - 1, result[rows - 1]);
            Assert.All(cuda.Download<int>(counters), c => Assert.Equal(0, c));
        }
    }

    [Theory]
    [InlineData(1, 151_936, 132, 37)]   // batch 1: as many 4,096-logit chunks as the row holds
    [InlineData(1, 1_000_000, 132, 64)] // capped
    [InlineData(4, 151_936, 132, 37)]   // 66 wanted, 37 fit
    [InlineData(16, 151_936, 132, 17)]  // the rows cover the SMs twice
    [InlineData(300, 151_936, 132, 1)]  // many rows: a block a row
    [InlineData(2, 1_024, 132, 1)]      // a small vocabulary is not cut
    public void ArgmaxChunks_Shapes_FillTheSmsWithoutTinyChunks(int rows, int vocab, int sms, int expected) =>
        Assert.Equal(expected, CudaOps.ArgmaxChunks(rows, vocab, sms));
}
