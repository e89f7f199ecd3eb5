using System.Diagnostics;
using DynamoOrleans.Cli.Commands;

namespace DynamoOrleans.Cli.Tests.Commands;

/// <summary><c>dynamo silo</c>'s choice of workers: <c>--gpus 0,1</c> (one per GPU) or <c>--cpu</c>.</summary>
public sealed class SiloCommandTests
{
    [Fact]
    public void Devices_NoFlag_OneCpuWorker() => Assert.Equal([null], SiloCommand.Devices(null, cpu: false));

    [Fact]
    public void Devices_CpuFlag_OneCpuWorker() => Assert.Equal([null], SiloCommand.Devices(null, cpu: true));

    [Fact]
    public void Devices_GpuList_OneWorkerPerGpuInOrder() => Assert.Equal([2, 0, 1], SiloCommand.Devices("2, 0,1", cpu: false));

    [Theory]
    [InlineData("0,0", "GPU 0 is listed twice")]
    [InlineData("0,x", "'x' is not a GPU number")]
    [InlineData("-1", "'-1' is not a GPU number")]
    public void Devices_BadGpuList_ClearError(string gpus, string expected) =>
        Assert.Contains(expected, Assert.Throws<CliException>(() => SiloCommand.Devices(gpus, cpu: false)).Message, StringComparison.Ordinal);

    [Fact]
    public void Devices_CpuAndGpus_Refused() =>
        Assert.Contains("exclude each other", Assert.Throws<CliException>(() => SiloCommand.Devices("0", cpu: true)).Message, StringComparison.Ordinal);

    [Fact]
    public async Task Silo_GpusWithoutCuda_ExitsWithCode2AndOneLine()
    {
        // On a GPU machine this would start a worker; the CI and development machines have none.
        if (DynamoOrleans.Engine.Serving.CudaEngine.IsAvailable(out var reason))
            return;
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "dynamo.dll"), "silo", "--redis", "127.0.0.1:1", "--model", "demo", "--gpus", "0,1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var silo = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await silo.WaitForExitAsync(timeout.Token);
        Assert.Equal(2, silo.ExitCode);
        Assert.Equal($"error: --gpus: {reason}", (await silo.StandardError.ReadToEndAsync()).TrimEnd());
    }
}
