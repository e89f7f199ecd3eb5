using System.Globalization;
using DynamoOrleans.Cluster.Tests.Fixtures;
using DynamoOrleans.Engine.Models.Demo;
using Xunit.Abstractions;

namespace DynamoOrleans.Cli.Tests.Cluster;

/// <summary>
/// A cluster of real processes on loopback: a redis-server on a free port, <c>dynamo silo</c> and
/// <c>dynamo gateway</c> processes started as the README starts them, over one demo model cache written once
/// up front (so the processes do not race to build it). Disposing kills every process (SIGKILL) and Redis,
/// writes each process's last lines to the test output, and deletes the cache.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly string _cache;
    private readonly List<SiloProcess> _silos = [];
    private readonly List<GatewayProcess> _gateways = [];
    private readonly List<DynamoProcess> _launched = [];

    private ProcessCluster(ITestOutputHelper output, RedisServer redis, string cache)
    {
        _output = output;
        Redis = redis;
        _cache = cache;
    }

    public RedisServer Redis { get; }

    /// <summary>What <c>--redis</c> takes.</summary>
    public string RedisEndpoint => "127.0.0.1:" + Redis.Port.ToString(CultureInfo.InvariantCulture);

    public static async Task<ProcessCluster> StartAsync(ITestOutputHelper output)
    {
        var cache = Directory.CreateTempSubdirectory("cli-cluster-").FullName;
        DemoModel.EnsureFolder(cache);
        return new ProcessCluster(output, await RedisServer.StartAsync(), cache);
    }

    /// <summary>Starts silos in parallel and waits for each one's "serving" line.</summary>
    public async Task<SiloProcess[]> StartSilosAsync(params string[] nodes) =>
        await Task.WhenAll(nodes.Select(node => StartSiloAsync(node)));

    public async Task<SiloProcess> StartSiloAsync(string node, params string[] extraArgs)
    {
        var silo = await SiloProcess.StartAsync(node, _cache, RedisEndpoint, extraArgs);
        lock (_silos) _silos.Add(silo);
        return silo;
    }

    /// <summary>Starts a gateway and waits until it serves (after its first worker joined).</summary>
    public async Task<GatewayProcess> StartGatewayAsync(string mode = "kv", params string[] extraArgs)
    {
        var gateway = await GatewayProcess.WhenReadyAsync(LaunchGateway(mode, extraArgs));
        lock (_gateways) _gateways.Add(gateway);
        return gateway;
    }

    /// <summary>Starts a gateway process without waiting for it to serve.</summary>
    public DynamoProcess LaunchGateway(string mode = "kv", params string[] extraArgs) => LaunchGateway(mode, withModelDir: true, extraArgs);

    /// <summary>A gateway without --model-dir when <paramref name="withModelDir"/> is false: its models come from the silos.</summary>
    public DynamoProcess LaunchGateway(string mode, bool withModelDir, params string[] extraArgs)
    {
        var process = GatewayProcess.Launch($"gateway {mode} #{_launched.Count + 1}", _cache, RedisEndpoint, mode, extraArgs, withModelDir);
        lock (_launched) _launched.Add(process);
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var gateway in _gateways) gateway.Http.Dispose();
        var processes = _launched.Concat(_silos.Select(s => s.Process)).ToList();
        await Task.WhenAll(_silos.Select(s => s.DisposeAsync().AsTask()).Concat(_launched.Select(p => p.DisposeAsync().AsTask())));
        foreach (var process in processes)
            _output.WriteLine(process.Tail(15));
        await Redis.DisposeAsync();
        try
        {
            Directory.Delete(_cache, recursive: true);
        }
        catch (IOException)
        {
            // A process that was killed mid-write may hold a file for a moment; the temp folder is cleaned anyway.
        }
    }
}
