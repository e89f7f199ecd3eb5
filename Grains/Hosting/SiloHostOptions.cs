using DynamoOrleans.Cluster;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Grains.Hosting;

/// <summary>What <c>dynamo silo</c> takes: where Redis is, the model, and where the worker API listens.</summary>
public sealed record SiloHostOptions
{
    /// <summary>Redis as <c>HOST:PORT</c>.</summary>
    public required string Redis { get; init; }

    /// <summary>A resolved model folder (config, safetensors, tokenizer.json).</summary>
    public required string ModelFolder { get; init; }

    /// <summary>The node name in the worker id (<c>node/0</c>); default: the machine name.</summary>
    public string Node { get; init; } = Environment.MachineName;

    /// <summary>The worker's index on its node, the second half of its id (<c>node/index</c>); a GPU worker's is its place in <c>--gpus</c>.</summary>
    public int WorkerIndex { get; init; }

    /// <summary>The CUDA device the engine runs on; null runs the CPU backend.</summary>
    public int? Gpu { get; init; }

    /// <summary>CUDA settings when <see cref="Gpu"/> is set (its device ordinal is taken from <see cref="Gpu"/>).</summary>
    public CudaOptions Cuda { get; init; } = new();

    public string Host { get; init; } = "127.0.0.1";

    /// <summary>
    /// Host name or IP the card advertises instead of <see cref="Host"/> (port: the bound one); needed when
    /// <see cref="Host"/> is a wildcard such as 0.0.0.0, which other machines cannot dial. Null: the bound address.
    /// </summary>
    public string? AdvertiseAddress { get; init; }

    /// <summary>0 picks a free port; the card carries the one actually bound.</summary>
    public int Port { get; init; } = 9100;

    public WorkerRole Role { get; init; } = WorkerRole.Aggregated;

    public EngineOptions Engine { get; init; } = new();

    public ClusterOptions Cluster { get; init; } = new();

    /// <summary>How often the engine's load goes to the load board.</summary>
    public TimeSpan LoadInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a graceful stop waits for in-flight requests before it stops anyway.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
