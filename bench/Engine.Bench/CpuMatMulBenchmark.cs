using System.Diagnostics;
using System.Numerics.Tensors;
using DynamoOrleans.Engine.Backends.Cpu;
using DynamoOrleans.Engine.Models;

namespace DynamoOrleans.Engine.Bench;

/// <summary>
/// The CPU linear kernel (<c>y = x · Wᵀ</c>, W mapped from a safetensors file) in GFLOP/s against the
/// machine's FMA peak, for decode (1 token: memory-bound, so GB/s of weights too) and prefill-sized blocks.
/// Baseline: one TensorPrimitives.Dot per output element on a single core, fp32.
/// </summary>
public sealed unsafe class CpuMatMulBenchmark : IBenchmark
{
    public string Name => "cpu-matmul";

    public string Description => "CPU linear kernel GFLOP/s vs FMA peak (args: [rows] [cols])";

    public Task RunAsync(string[] args, TextWriter output)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 4096;
        var cols = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 4096;
        var cores = Environment.ProcessorCount;
        output.WriteLine($"# peak: {CpuPeak.Describe(cores)}");
        output.WriteLine($"# W: [{rows}, {cols}]");

        var dir = SyntheticWeights.TempDirectory("matmul");
        try
        {
            var rng = new Random(42);
            var w = SyntheticWeights.Uniform(rng, (long)rows * cols, 0.05f);
            output.WriteLine("# per core-second: flops over the CPU time the process got, against one core's peak; on a shared machine this is what the kernel does with the time it gets");
            output.WriteLine($"| dtype | tokens | ms/call | GFLOP/s | % of peak | weight GB/s | GFLOP per core-second | % of 1-core peak |");
            output.WriteLine($"| --- | --- | --- | --- | --- | --- | --- | --- |");
            var (baseline, baselineCpu) = Baseline(w, rows, cols);
            Row(output, "fp32 baseline (1 core, Dot per row)", 1, baseline, baselineCpu, rows, cols, 4, cores);
            foreach (var dtype in new[] { DType.BF16, DType.F32 })
            {
                var path = Path.Combine(dir, $"w-{dtype}.safetensors");
                SafetensorsWriter.Write(path, [SafetensorsTensor.FromFloats("w", dtype, w, rows, cols)]);
                using var archive = SafetensorsArchive.Open(path);
                using var weight = new CpuWeight(archive.Get("w"));
                using var job = new LinearJob();
                foreach (var tokens in new[] { 1, 16, 128 })
                {
                    var (seconds, cpuSeconds) = Time(job, weight, tokens, cols, rows);
                    Row(output, dtype.ToString(), tokens, seconds, cpuSeconds, rows, cols, dtype.SizeInBytes(), cores);
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        return Task.CompletedTask;
    }

    private static void Row(TextWriter output, string name, int tokens, double seconds, double cpuSeconds, int rows, int cols, int bytesPerWeight, int cores)
    {
        var flops = 2.0 * tokens * rows * cols;
        var bytes = (double)rows * cols * bytesPerWeight;
        output.WriteLine($"| {name} | {tokens} | {seconds * 1e3:F2} | {flops / seconds / 1e9:F1} | {100 * flops / seconds / 1e9 / CpuPeak.GFlops(cores):F1}% | {bytes / seconds / 1e9:F1} | {flops / cpuSeconds / 1e9:F1} | {100 * flops / cpuSeconds / 1e9 / CpuPeak.GFlops(1):F1}% |");
    }

    private static (double Wall, double Cpu) Time(LinearJob job, CpuWeight weight, int tokens, int cols, int rows)
    {
        var x = SyntheticWeights.Uniform(new Random(7), (long)tokens * cols, 1f);
        var y = new float[tokens * rows];
        fixed (float* px = x, py = y)
        {
            job.Run(px, tokens, weight, null, py);
            var iterations = 0;
            var cpu = CpuTime.Now();
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed.TotalSeconds < 1.0 || iterations < 3)
            {
                job.Run(px, tokens, weight, null, py);
                iterations++;
            }
            return (sw.Elapsed.TotalSeconds / iterations, (CpuTime.Now() - cpu) / iterations);
        }
    }

    private static (double Wall, double Cpu) Baseline(float[] w, int rows, int cols)
    {
        var x = SyntheticWeights.Uniform(new Random(7), cols, 1f);
        var y = new float[rows];
        var iterations = 0;
        var cpu = CpuTime.Now();
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < 1.0 || iterations < 3)
        {
            for (var r = 0; r < rows; r++)
                y[r] = TensorPrimitives.Dot(w.AsSpan(r * cols, cols), x);
            iterations++;
        }
        return (sw.Elapsed.TotalSeconds / iterations, (CpuTime.Now() - cpu) / iterations);
    }
}
