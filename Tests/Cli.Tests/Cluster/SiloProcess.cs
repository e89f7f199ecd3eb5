using System.Text.RegularExpressions;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Worker;

namespace DynamoOrleans.Cli.Tests.Cluster;

/// <summary>
/// A running <c>dynamo silo</c>: its process and the worker API address it printed. The test looks inside it the
/// way a gateway does, over the worker API (load, cached blocks), so it can tell which silo serves what.
/// </summary>
public sealed partial class SiloProcess : IAsyncDisposable
{
    private RemoteEngineClient? _probe;

    private SiloProcess(string node, DynamoProcess process, Uri address)
    {
        Node = node;
        Process = process;
        Address = address;
    }

    public string Node { get; }

    public DynamoProcess Process { get; }

    /// <summary>The worker API (gRPC over HTTP/2), as the silo's card says.</summary>
    public Uri Address { get; }

    [GeneratedRegex(@"^Silo worker (\S+) serving '[^']*' at (\S+), registered")]
    private static partial Regex ServingLine();

    public static async Task<SiloProcess> StartAsync(string node, string cacheRoot, string redis, IEnumerable<string> extraArgs)
    {
        var process = DynamoProcess.Start($"silo {node}", cacheRoot,
            ["silo", "--redis", redis, "--model", "demo", "--node", node, "--port", "0", "--drain-timeout", "10", .. extraArgs]);
        try
        {
            var serving = await process.WaitForLineAsync(ServingLine(), ClusterTimeouts.ProcessStart);
            return new SiloProcess(node, process, new Uri(serving.Groups[2].Value));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>The engine's load right now (running and waiting sequences, KV blocks).</summary>
    public async Task<EngineLoad> LoadAsync()
    {
        var probe = await ProbeAsync();
        using var timeout = new CancellationTokenSource(ClusterTimeouts.Call);
        return await probe.RefreshLoadAsync(timeout.Token);
    }

    /// <summary>Blocks in the silo's prefix cache: zero until it has served a prompt of at least one full block.</summary>
    public async Task<int> CachedBlocksAsync()
    {
        var probe = await ProbeAsync();
        using var timeout = new CancellationTokenSource(ClusterTimeouts.Call);
        return (await probe.GetKvIndexAsync(timeout.Token)).Blocks.Count;
    }

    public Task KillAsync() => Process.KillAsync();

    public Task<int> TerminateAsync() => Process.TerminateAsync(ClusterTimeouts.ProcessStop);

    public async ValueTask DisposeAsync()
    {
        if (_probe is not null) await _probe.DisposeAsync();
        await Process.DisposeAsync();
    }

    private async Task<RemoteEngineClient> ProbeAsync()
    {
        if (_probe is null)
        {
            using var timeout = new CancellationTokenSource(ClusterTimeouts.Call);
            // Polling off: the test asks when it wants to know, and a killed silo leaves no poller behind.
            _probe = await RemoteEngineClient.ConnectAsync(Address, new RemoteEngineClientOptions { LoadPollInterval = TimeSpan.Zero, ControlCallTimeout = ClusterTimeouts.Call }, cancellationToken: timeout.Token);
        }
        return _probe;
    }
}
