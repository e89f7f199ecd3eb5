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
        var (exitCode, error) = await RunAsync("gateway", "--redis", "127.0.0.1:1", "--model-dir", "demo", "--busy-threshold", threshold);

        Assert.Equal(2, exitCode);
        Assert.Equal($"error: --busy-threshold must be in (0, 1], not {threshold}", error);
    }

    [Fact]
    public async Task Gateway_ServedModelNameWithoutModelDir_ExitsWithCode2AndOneLine()
    {
        var (exitCode, error) = await RunAsync("gateway", "--redis", "127.0.0.1:1", "--served-model-name", "alias");

        Assert.Equal(2, exitCode);
        Assert.StartsWith("error: --served-model-name needs --model-dir", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Gateway_WithoutModelDir_Parses()
    {
        Assert.Empty(DynamoOrleans.Cli.Commands.CommandCatalog.CreateRoot().Parse(["gateway", "--redis", "127.0.0.1:6379"]).Errors);
    }

    private static async Task<(int ExitCode, string Error)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "dynamo.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var gateway = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await gateway.WaitForExitAsync(timeout.Token);
        return (gateway.ExitCode, (await gateway.StandardError.ReadToEndAsync()).TrimEnd());
    }
}
