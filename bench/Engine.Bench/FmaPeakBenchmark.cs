namespace DynamoOrleans.Engine.Bench;

/// <summary>Prints the fp32 FMA ceiling alone (theoretical and register-only loop), the yardstick of the engine benchmarks.</summary>
public sealed class FmaPeakBenchmark : IBenchmark
{
    public string Name => "fma-peak";

    public string Description => "fp32 FMA peak of this CPU: theoretical and a register-only loop on every core";

    public async Task RunAsync(string[] args, TextWriter output)
    {
        for (var round = 0; round < 3; round++)
        {
            var measured = FmaPeak.MeasureGflops(TimeSpan.FromSeconds(1));
            await output.WriteLineAsync($"round {round}: register-only FMA loop {measured:F1} GFLOP/s; theoretical {FmaPeak.TheoreticalGflops():F1} GFLOP/s at the /proc/cpuinfo clock ({Environment.ProcessorCount} cores x {FmaPeak.ClockGhz():F2} GHz x 2 ports x {FmaPeak.VectorFloats} lanes x 2)");
        }
    }
}
