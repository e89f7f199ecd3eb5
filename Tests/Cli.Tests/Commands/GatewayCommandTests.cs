using System.Diagnostics;

namespace DynamoOrleans.Cli.Tests.Commands;

/// <summary><c>dynamo gateway</c>'s own checks, before it waits for a worker.</summary>
public sealed class GatewayCommandTests
{
    [Theory]
    [InlineData("1.5")]
    [InlineData("0")]
    public async Task Gateway_BusyThresholdOutOfRange_ExitsWithCode2AndOneLine(string threshold)
    {
        var start = new ProcessStartInfo("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "dynamo.dll"), "gateway", "--redis", "127.0.0.1:1", "--model-dir", "demo", "--busy-threshold", threshold])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var gateway = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await gateway.WaitForExitAsync(timeout.Token);
        Assert.Equal(2, gateway.ExitCode);
        Assert.Equal($"error: --busy-threshold must be in (0, 1], not {threshold}", (await gateway.StandardError.ReadToEndAsync()).TrimEnd());
    }
}
