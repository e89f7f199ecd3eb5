using DynamoOrleans.Engine.Backends.Cuda.Blas;

namespace DynamoOrleans.Engine.Tests.Backends.Cuda;

public sealed class GemmTests(CudaFixture cuda) : IClassFixture<CudaFixture>
{
    [GpuTheory]
    [InlineData(1, 70, 64, GemmOutput.Bf16)]
    [InlineData(37, 256, 128, GemmOutput.Bf16)]
    [InlineData(5, 1024, 128, GemmOutput.Fp32)]
    public void Linear_RandomOperands_MatchesFloat64Reference(int m, int n, int k, GemmOutput output)
    {
        var random = new Random(m + n + k);
        var (x, xF) = Bf16.Random(random, m * k);
        var (w, wF) = Bf16.Random(random, n * k);
        using var gemm = new CublasLtGemm(cuda.Device);
        using var dX = cuda.Upload<ushort>(x);
        using var dW = cuda.Upload<ushort>(w);
        using var dY = cuda.Device.Allocate((long)m * n * 4);
        gemm.Linear(dX.Pointer, dW.Pointer, dY.Pointer, m, n, k, output, cuda.Stream);
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
