using System.Diagnostics;
using System.Globalization;
using DynamoOrleans.Engine.Backends.Cuda;
using DynamoOrleans.Engine.Backends.Cuda.Blas;
using DynamoOrleans.Engine.Models;

namespace DynamoOrleans.Engine.Bench.Cuda;

/// <summary>
/// The two ceilings our roofline shares are quoted against, measured on the GPU at hand in the same call as
/// the runs they judge: device memory bandwidth (a large device-to-device copy, bytes read plus written) and
/// cuBLASLt's bf16 GEMM rate at 8192³ on random operands (fp32 accumulation, as the runner's GEMMs). The last
/// line is machine-readable (<c>peaks: bandwidth_tbps=… gemm_tflops=…</c>) for the device scripts.
/// </summary>
public sealed class CudaPeaksBenchmark : IBenchmark
{
    private const long CopyBytes = 2L << 30;
    private const int GemmSize = 8192;

    public string Name => "cuda-peaks";

    public string Description => "Measured device bandwidth (2 GiB device-to-device copies) and bf16 GEMM TFLOP/s (8192^3) for rooflines [--out FILE]";

    public Task RunAsync(string[] args, TextWriter output)
    {
        using var device = CudaDevice.Open();
        using var stream = device.CreateStream();
        var bandwidth = Bandwidth(device, stream);
        var tflops = GemmRate(device, stream);
        var lines = new List<string>
        {
            $"# {device.Name} ({device.Architecture}, {device.MultiprocessorCount} SMs, driver {CudaDevice.DriverVersion()})",
            string.Create(CultureInfo.InvariantCulture, $"device-to-device copy of {CopyBytes >> 30} GiB: {bandwidth:F2} TB/s (read + written)"),
            string.Create(CultureInfo.InvariantCulture, $"cuBLASLt bf16 GEMM {GemmSize}^3, fp32 accumulate, random operands: {tflops:F0} TFLOP/s"),
            string.Create(CultureInfo.InvariantCulture, $"peaks: bandwidth_tbps={bandwidth:F3} gemm_tflops={tflops:F1}"),
        };
        foreach (var line in lines)
            output.WriteLine(line);
        if (Array.IndexOf(args, "--out") is var i and >= 0 && i + 1 < args.Length)
            File.WriteAllLines(args[i + 1], lines);
        return Task.CompletedTask;
    }

    private static double Bandwidth(CudaDevice device, CudaStream stream)
    {
        using var source = device.Allocate(CopyBytes);
        using var target = device.Allocate(CopyBytes);
        source.Fill(0x3C, stream);
        target.CopyFromDevice(source, CopyBytes, stream);
        stream.Synchronize();
        const int repeats = 20;
        var watch = Stopwatch.StartNew();
        for (var r = 0; r < repeats; r++)
            target.CopyFromDevice(source, CopyBytes, stream);
        stream.Synchronize();
        return 2.0 * CopyBytes * repeats / watch.Elapsed.TotalSeconds / 1e12;
    }

    private static double GemmRate(CudaDevice device, CudaStream stream)
    {
        const long elements = (long)GemmSize * GemmSize;
        var random = new Random(1);
        var host = new ushort[elements];
        for (long e = 0; e < elements; e++)
            host[e] = FloatConversions.FloatToBf16((float)(random.NextDouble() - 0.5));
        using var x = DeviceBuffer.Upload<ushort>(device, host, stream);
        using var w = DeviceBuffer.Upload<ushort>(device, host, stream);
        using var y = device.Allocate(elements * sizeof(ushort));
        using var gemm = new CublasLtGemm(device, 64L << 20);
        for (var r = 0; r < 3; r++)
            gemm.Linear(x.Pointer, w.Pointer, y.Pointer, GemmSize, GemmSize, GemmSize, GemmOutput.Bf16, stream);
        stream.Synchronize();
        const int repeats = 20;
        var watch = Stopwatch.StartNew();
        for (var r = 0; r < repeats; r++)
            gemm.Linear(x.Pointer, w.Pointer, y.Pointer, GemmSize, GemmSize, GemmSize, GemmOutput.Bf16, stream);
        stream.Synchronize();
        return 2.0 * GemmSize * GemmSize * (double)GemmSize * repeats / watch.Elapsed.TotalSeconds / 1e12;
    }
}
