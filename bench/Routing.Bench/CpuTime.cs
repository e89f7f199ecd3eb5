using System.Diagnostics;

namespace DynamoOrleans.Routing.Bench;

/// <summary>The CPU time this process has received, in seconds: on a shared machine, the denominator that load from others does not inflate.</summary>
internal static class CpuTime
{
    public static double Now()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }
}
