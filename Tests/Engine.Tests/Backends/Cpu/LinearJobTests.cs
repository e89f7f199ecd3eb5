using DynamoOrleans.Engine.Backends.Cpu;
using DynamoOrleans.Engine.Models;

namespace DynamoOrleans.Engine.Tests.Backends.Cpu;

/// <summary>The matmul kernel against a naive loop, on shapes that hit every remainder path.</summary>
public class LinearJobTests
{
    [Theory]
    [InlineData(DType.BF16, 1, 37, 29)]
    [InlineData(DType.BF16, 5, 64, 128)]
    [InlineData(DType.BF16, 3, 130, 45)]
    [InlineData(DType.F32, 1, 37, 29)]
    [InlineData(DType.F32, 7, 66, 72)]
    [InlineData(DType.F16, 2, 40, 24)]
    public unsafe void Run_AnyShapeAndDType_MatchesNaiveProduct(DType dtype, int tokens, int rows, int cols)
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
        using var job = new LinearJob(cols);
        var y = new float[tokens * rows];
        fixed (float* px = x, pb = bias, py = y)
            job.Run(px, tokens, weight, pb, py);

        for (var t = 0; t < tokens; t++)
            for (var r = 0; r < rows; r++)
            {
                double expected = bias[r];
                for (var k = 0; k < cols; k++)
                    expected += (double)stored[r * cols + k] * x[t * cols + k];
                Assert.Equal(expected, y[t * rows + r], 1e-4);
            }
    }
}
