using System.Diagnostics;
using System.Runtime.InteropServices;

namespace DynamoOrleans.Routing.Bench;

/// <summary>
/// CPU time the calling thread has received, in seconds. On a shared machine other processes take
/// the core away, which inflates wall-clock time but not this; figures quote both. Linux only (the
/// bench machines); elsewhere it falls back to wall time.
/// </summary>
internal static partial class ThreadCpuTime
{
    private const int ClockThreadCpuTimeId = 3;

    public static double Now()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTimeId, out var spec) == 0)
            return spec.Seconds + spec.Nanoseconds * 1e-9;
        return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out TimeSpec spec);
}
