using DynamoOrleans.Engine.Backends.Cuda.Blas;
using DynamoOrleans.Engine.Backends.Cuda.Ops;

namespace DynamoOrleans.Engine.Tests.Backends.Cuda;

public sealed class GemmTests(CudaFixture cuda) : IClassFixture<CudaFixture>
{
    [GpuTheory]
    [InlineData(1, 70, 64, GemmOutput.Bf16)]
    [InlineData(37, 256, 128, GemmOutput.Bf16)]
    [InlineData(5, 1024, 128, GemmOutput.Fp32)]
    public void Linear_RandomOperands_MatchesFloat64Reference(int m, int n, int k, GemmOutput output)
    {
        using var gemm = new CublasLtGemm(cuda.Device);
        CheckAgainstReference(m, n, k, output, (x, w, y) => gemm.Linear(x, w, y, m, n, k, output, cuda.Stream));
    }

    [GpuTheory]
    [InlineData(1, 70, 64, GemmOutput.Bf16)]
    [InlineData(1, 1027, 1024, GemmOutput.Fp32)]
    [InlineData(2, 9, 8, GemmOutput.Bf16)]
    [InlineData(3, 517, 2056, GemmOutput.Bf16)]
    [InlineData(4, 256, 136, GemmOutput.Fp32)]
    [InlineData(5, 33, 4096, GemmOutput.Bf16)]
    [InlineData(6, 64, 264, GemmOutput.Bf16)]
    [InlineData(7, 130, 512, GemmOutput.Fp32)]
    [InlineData(8, 4096, 1024, GemmOutput.Bf16)]
    [InlineData(1, 1025, 3072, GemmOutput.Bf16)] // four warps a row group, the last group past n
    [InlineData(3, 1024, 2048, GemmOutput.Fp32)] // two warps a row group
    public void Gemv_RandomOperands_MatchesFloat64Reference(int m, int n, int k, GemmOutput output) =>
        CheckAgainstReference(m, n, k, output, (x, w, y) => cuda.Ops.Gemv(x, w, y, m, n, k, output, cuda.Stream));

    [GpuTheory]
    [InlineData(1, 4096, 1024, GemmOutput.Bf16)]
    [InlineData(8, 1030, 512, GemmOutput.Fp32)]
    [InlineData(9, 64, 64, GemmOutput.Bf16)]
    public void SkinnyLinear_EitherChoice_MatchesFloat64Reference(int m, int n, int k, GemmOutput output)
    {
        using var gemm = new CublasLtGemm(cuda.Device);
        var skinny = new SkinnyLinear(cuda.Ops, gemm);
        CheckAgainstReference(m, n, k, output, (x, w, y) => skinny.Linear(x, w, y, m, n, k, output, cuda.Stream));
        Assert.Equal(CudaOps.GemvFits(m, k) ? 1 : 0, skinny.Decisions.Shapes);
    }

    /// <summary>The SwiGLU epilogue must give the very bits of the GEMV to bf16 followed by silu_mul.</summary>
    [GpuTheory]
    [InlineData(1, 6144, 1024)]
    [InlineData(3, 70, 64)]
    [InlineData(8, 1030, 512)]
    [InlineData(2, 70, 2048)] // two warps a row group
    public void GemvSwiGlu_RandomOperands_EqualsGemvThenSiluMul(int m, int n, int k)
    {
        var random = new Random(m * n + k);
        var (x, _) = Bf16.Random(random, m * k);
        var (w, _) = Bf16.Random(random, n * k, 0.2f);
        using var dX = cuda.Upload<ushort>(x);
        using var dW = cuda.Upload<ushort>(w);
        using var dGateUp = cuda.Device.Allocate((long)m * n * 2);
        using var dUnfused = cuda.Device.Allocate((long)m * n);
        using var dFused = cuda.Device.Allocate((long)m * n);
        cuda.Ops.Gemv(dX.Pointer, dW.Pointer, dGateUp.Pointer, m, n, k, GemmOutput.Bf16, cuda.Stream);
        cuda.Ops.SiluMul(dUnfused.Pointer, dGateUp.Pointer, m, n / 2, cuda.Stream);
        cuda.Ops.GemvSwiGlu(dX.Pointer, dW.Pointer, dFused.Pointer, m, n, k, cuda.Stream);
        Assert.Equal(cuda.Download<ushort>(dUnfused), cuda.Download<ushort>(dFused));

        using var gemm = new CublasLtGemm(cuda.Device);
        var skinny = new SkinnyLinear(cuda.Ops, gemm);
        using var dChosen = cuda.Device.Allocate((long)m * n);
        skinny.LinearSwiGlu(dX.Pointer, dW.Pointer, dGateUp.Pointer, dChosen.Pointer, m, n, k, cuda.Stream);
        var diff = Bf16.MaxAbsDiff(Bf16.ToFloats(cuda.Download<ushort>(dUnfused)), Bf16.ToFloats(cuda.Download<ushort>(dChosen)));
        Assert.True(diff < 0.05f, $"max abs diff {diff}");
        Assert.Equal(1, skinny.Decisions.Shapes);
    }

    /// <summary>The residual epilogue adds the very bf16 projection that the GEMV writes: residual + bf16(x · wᵀ), bit for bit.</summary>
    [GpuTheory]
    [InlineData(1, 1024, 2048)]
    [InlineData(3, 70, 64)]
    [InlineData(8, 4096, 1024)]
    public void GemvResidual_RandomOperands_AddsTheBf16Projection(int m, int n, int k)
    {
        var random = new Random(m * n + k);
        var (x, _) = Bf16.Random(random, m * k);
        var (w, _) = Bf16.Random(random, n * k, 0.2f);
        var residual = Enumerable.Range(0, m * n).Select(_ => (float)random.NextDouble() * 4 - 2).ToArray();
        using var dX = cuda.Upload<ushort>(x);
        using var dW = cuda.Upload<ushort>(w);
        using var dProjected = cuda.Device.Allocate((long)m * n * 2);
        using var dResidual = cuda.Upload<float>(residual);
        cuda.Ops.Gemv(dX.Pointer, dW.Pointer, dProjected.Pointer, m, n, k, GemmOutput.Bf16, cuda.Stream);
        cuda.Ops.GemvResidual(dX.Pointer, dW.Pointer, dResidual.Pointer, m, n, k, cuda.Stream);
        var projected = Bf16.ToFloats(cuda.Download<ushort>(dProjected));
        var expected = residual.Select((r, i) => r + projected[i]).ToArray();
        Assert.Equal(expected, cuda.Download<float>(dResidual));
    }

    /// <summary>
    /// The norm GEMVs against add_rmsnorm then the plain GEMV (or the SwiGLU GEMV): equal up to the bf16 rounding of a
    /// normed element whose sum of squares was added in another order (the blocks differ in size).
    /// </summary>
    [GpuTheory]
    [InlineData(1, 4096, 1024, false)]
    [InlineData(1, 6144, 1024, true)]
    [InlineData(2, 70, 4096, false)]
    [InlineData(4, 1030, 512, true)]
    [InlineData(5, 64, 4096, true)]
    [InlineData(8, 512, 3048, false)] // the most shared memory the norm forms take: 48 KB at m = 8
    public void GemvNorm_RandomOperands_MatchesRmsNormThenGemv(int m, int n, int k, bool swiGlu)
    {
        var random = new Random(m * n + k + (swiGlu ? 1 : 0));
        var residual = Enumerable.Range(0, m * k).Select(_ => (float)random.NextDouble() * 4 - 2).ToArray();
        var (normWeight, _) = Bf16.Random(random, k);
        var (w, _) = Bf16.Random(random, n * k, 0.2f);
        const float eps = 1e-6f;
        using var dResidual = cuda.Upload<float>(residual);
        using var dNormWeight = cuda.Upload<ushort>(normWeight);
        using var dW = cuda.Upload<ushort>(w);
        using var dNormed = cuda.Device.Allocate((long)m * k * 2);
        var width = swiGlu ? n / 2 : n;
        using var dUnfused = cuda.Device.Allocate((long)m * width * 2);
        using var dFused = cuda.Device.Allocate((long)m * width * 2);
        cuda.Ops.AddRmsNorm(dNormed.Pointer, dResidual.Pointer, 0, dNormWeight.Pointer, m, k, eps, cuda.Stream);
        if (swiGlu)
        {
            cuda.Ops.GemvSwiGlu(dNormed.Pointer, dW.Pointer, dUnfused.Pointer, m, n, k, cuda.Stream);
            cuda.Ops.GemvNormSwiGlu(dResidual.Pointer, dNormWeight.Pointer, eps, dW.Pointer, dFused.Pointer, m, n, k, cuda.Stream);
        }
        else
        {
            cuda.Ops.Gemv(dNormed.Pointer, dW.Pointer, dUnfused.Pointer, m, n, k, GemmOutput.Bf16, cuda.Stream);
            cuda.Ops.GemvNorm(dResidual.Pointer, dNormWeight.Pointer, eps, dW.Pointer, dFused.Pointer, m, n, k, cuda.Stream);
        }
        var unfused = Bf16.ToFloats(cuda.Download<ushort>(dUnfused));
        var fused = Bf16.ToFloats(cuda.Download<ushort>(dFused));
        var scale = unfused.Max(MathF.Abs);
        var diff = Bf16.MaxAbsDiff(unfused, fused);
        Assert.True(diff <= 0.01f * scale, $"max abs diff {diff} against outputs up to {scale}");
        Assert.Equal(residual, cuda.Download<float>(dResidual)); // read, never written
    }

    [Theory]
    [InlineData(1, 1024, true)]
    [InlineData(5, 4096, true)]
    [InlineData(6, 4096, false)] // 48 KB of rows, no room for block_sum's partials
    [InlineData(8, 3048, true)]
    [InlineData(8, 3056, false)] // no room beside the rows for the split warps' sums
    [InlineData(9, 64, false)]
    public void NormGemvFits_KeepsTheNormedRowsWithin48KB(int m, int k, bool fits) =>
        Assert.Equal(fits, CudaOps.NormGemvFits(m, k));

    [Theory]
    [InlineData(0, 64, false)]
    [InlineData(1, 64, true)]
    [InlineData(8, 4096, true)]
    [InlineData(9, 64, false)]
    [InlineData(4, 60, false)]
    public void GemvFits_TakesOneToEightRowsOfWholeLoads(int m, int k, bool fits) =>
        Assert.Equal(fits, CudaOps.GemvFits(m, k));

    private void CheckAgainstReference(int m, int n, int k, GemmOutput output, Action<ulong, ulong, ulong> linear)
    {
        var random = new Random(m + n + k);
        var (x, xF) = Bf16.Random(random, m * k);
        var (w, wF) = Bf16.Random(random, n * k);
        using var dX = cuda.Upload<ushort>(x);
        using var dW = cuda.Upload<ushort>(w);
        using var dY = cuda.Device.Allocate((long)m * n * 4);
        dY.Fill(0xff, cuda.Stream);
        linear(dX.Pointer, dW.Pointer, dY.Pointer);
        var y = output == GemmOutput.Fp32 ? cuda.Download<float>(dY, m * n) : Bf16.ToFloats(cuda.Download<ushort>(dY, m * n));

        double num = 0, den = 0;
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
            {
                double acc = 0;
                for (var p = 0; p < k; p++)
                    acc += (double)xF[i * k + p] * wF[j * k + p];
                num += (y[i * n + j] - acc) * (y[i * n + j] - acc);
                den += acc * acc;
            }
        var relative = Math.Sqrt(num / den);
        Assert.True(relative < (output == GemmOutput.Fp32 ? 1e-4 : 1e-2), $"relative error {relative}");
    }
}
