using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DynamoOrleans.Engine.Bench;

/// <summary>
/// The machine's theoretical fp32 FMA peak: cores × FMA units × SIMD lanes × 2 flops × clock. The clock
/// is /proc/cpuinfo's "cpu MHz" (the current, not turbo, clock); two FMA units per core is what every
/// AVX2 server core since Haswell / Zen 2 has.
/// </summary>
internal static class CpuPeak
{
    public const int FmaUnitsPerCore = 2;

    public static int Lanes => Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? 16 : Vector256.IsHardwareAccelerated ? 8 : 4;

    public static double ClockGHz()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("cpu MHz", StringComparison.Ordinal))
                    return double.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture) / 1000;
        }
        catch (IOException)
        {
        }
        return double.NaN;
    }

    public static double GFlops(int cores) => cores * FmaUnitsPerCore * Lanes * 2 * ClockGHz();

    public static string Describe(int cores) =>
        $"{cores} cores × {FmaUnitsPerCore} FMA × {Lanes} fp32 lanes × 2 × {ClockGHz():F2} GHz = {GFlops(cores):F1} GFLOP/s";
}
