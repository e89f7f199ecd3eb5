using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace DynamoOrleans.Bench;

/// <summary>Describes the machine a figure came from, so numbers are never quoted without it.</summary>
public static class Hardware
{
    public static string Describe()
    {
        var cpu = CpuModel();
        var simd = Avx512F.IsSupported ? "AVX-512" : Avx2.IsSupported ? "AVX2" : "SSE";
        var fma = Fma.IsSupported ? "+FMA" : "";
        return $"{cpu}, {Environment.ProcessorCount} logical cores, {simd}{fma}, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }

    private static string CpuModel()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal))
                    return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
