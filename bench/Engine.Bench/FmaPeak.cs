using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DynamoOrleans.Engine.Bench;

/// <summary>
/// The CPU's fp32 FMA ceiling: the theoretical one from clock, cores and vector width (assuming two
/// FMA ports per core, as on recent Intel and AMD cores), and the one a register-only FMA loop on
/// every core reaches, which is what a matmul could at best approach.
/// </summary>
internal static class FmaPeak
{
    /// <summary>fp32 lanes of the vectors the CPU kernels use (Vector256; Zen 4 runs AVX-512 double-pumped, so no wider peak there).</summary>
    public static int VectorFloats => Avx2.IsSupported ? 8 : 4;

    /// <summary>Clock from /proc/cpuinfo (the current clock, not the turbo ceiling); null when unknown.</summary>
    public static double? ClockGhz()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("cpu MHz", StringComparison.Ordinal)
                    && double.TryParse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture, out var mhz))
                    return mhz / 1000;
        }
        catch (IOException)
        {
        }
        return null;
    }

    public static double? TheoreticalGflops() =>
        ClockGhz() is { } ghz ? Environment.ProcessorCount * ghz * 2 /* ports */ * VectorFloats * 2 /* mul+add */ : null;

    /// <summary>Runs independent FMA chains on every core for about <paramref name="duration"/> and returns GFLOP/s.</summary>
    public static double MeasureGflops(TimeSpan duration)
    {
        var threads = Environment.ProcessorCount;
        var flops = new double[threads];
        var watch = Stopwatch.StartNew();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var total = 0.0;
            while (watch.Elapsed < duration)
                total += Chains(1 << 20);
            flops[t] = total;
        });
        return flops.Sum() / watch.Elapsed.TotalSeconds / 1e9;
    }

    /// <summary>Ten independent accumulators hide the FMA latency (4 cycles × 2 ports); operands come from fields so the JIT cannot fold the chains.</summary>
    private static double Chains(int iterations)
    {
        if (!Fma.IsSupported)
            return 0;
        var a = Vector256.Create(_multiplier);
        var b = Vector256.Create(_addend);
        Vector256<float> c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b, c8 = b, c9 = b;
        for (var i = 0; i < iterations; i++)
        {
            c0 = Fma.MultiplyAdd(c0, a, b);
            c1 = Fma.MultiplyAdd(c1, a, b);
            c2 = Fma.MultiplyAdd(c2, a, b);
            c3 = Fma.MultiplyAdd(c3, a, b);
            c4 = Fma.MultiplyAdd(c4, a, b);
            c5 = Fma.MultiplyAdd(c5, a, b);
            c6 = Fma.MultiplyAdd(c6, a, b);
            c7 = Fma.MultiplyAdd(c7, a, b);
            c8 = Fma.MultiplyAdd(c8, a, b);
            c9 = Fma.MultiplyAdd(c9, a, b);
        }
        var sum = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9;
        _sink = sum.ToScalar();
        return iterations * 10.0 * Vector256<float>.Count * 2;
    }

    private static float _multiplier = 0.999999f;
    private static float _addend = 1e-7f;
    private static float _sink;

    public static float Sink => _sink;
}
