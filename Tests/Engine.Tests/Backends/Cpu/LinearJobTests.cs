using DynamoOrleans.Engine.Backends.Cpu;
using DynamoOrleans.Engine.Models;

namespace DynamoOrleans.Engine.Tests.Backends.Cpu;

/// <summary>Tests that switch the process-wide kernel width run alone.</summary>
[CollectionDefinition(nameof(KernelWidthCollection), DisableParallelization = true)]
public sealed class KernelWidthCollection;

/// <summary>The matmul kernel against a naive loop, on shapes that hit every remainder path, at both vector widths.</summary>
[Collection(nameof(KernelWidthCollection))]
public class LinearJobTests
{
    public static TheoryData<DType, int, int, int, bool> Shapes()
    {
        var data = new TheoryData<DType, int, int, int, bool>();
        foreach (var wide in new[] { false, true })
        {
            data.Add(DType.BF16, 1, 37, 29, wide);
            data.Add(DType.BF16, 1, 64, 200, wide);
            data.Add(DType.BF16, 5, 64, 128, wide);
            data.Add(DType.BF16, 3, 130, 45, wide);
            data.Add(DType.F32, 1, 37, 29, wide);
            data.Add(DType.F32, 7, 66, 72, wide);
            data.Add(DType.F16, 2, 40, 24, wide);
            data.Add(DType.BF16, 70, 9, 1100, wide);
            data.Add(DType.F32, 67, 8, 2049, wide);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public unsafe void Run_AnyShapeDTypeAndWidth_MatchesNaiveProduct(DType dtype, int tokens, int rows, int cols, bool wide)
    {
        using var dir = new Models.TempDirectory();
        var rng = new Random(rows * 31 + cols);
        var w = Enumerable.Range(0, rows * cols).Select(_ => rng.NextSingle() - 0.5f).ToArray();
        var x = Enumerable.Range(0, tokens * cols).Select(_ => rng.NextSingle() - 0.5f).ToArray();
        var bias = Enumerable.Range(0, rows).Select(_ => rng.NextSingle()).ToArray();
        var path = Path.Combine(dir.Path, "w.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsTensor.FromFloats("w", dtype, w, rows, cols)]);
        using var archive = SafetensorsArchive.Open(path);
        var stored = archive.Get("w").ToFloatArray();
        using var weight = new CpuWeight(archive.Get("w"));
        using var job = new LinearJob();
        var y = new float[tokens * rows];
        var hardware = MatMulKernels512.Enabled;
        // Without AVX-512 the 512-bit kernels run in software: slow, but they check the same arithmetic.
        MatMulKernels512.Enabled = wide;
        try
        {
            fixed (float* px = x, pb = bias, py = y)
                job.Run(px, tokens, weight, pb, py);
        }
        finally
        {
            MatMulKernels512.Enabled = hardware;
        }

        for (var t = 0; t < tokens; t++)
            for (var r = 0; r < rows; r++)
            {
                double expected = bias[r];
                for (var k = 0; k < cols; k++)
                    expected += (double)stored[r * cols + k] * x[t * cols + k];
                Assert.Equal(expected, y[t * rows + r], 1e-3);
            }
    }
}
