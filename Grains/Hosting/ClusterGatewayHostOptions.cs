using DynamoOrleans.Cluster;
using DynamoOrleans.Gateway;
using DynamoOrleans.Grains.Requests;
using DynamoOrleans.Grains.Worker;

namespace DynamoOrleans.Grains.Hosting;

/// <summary>What <c>dynamo gateway</c> takes: where Redis is, the model folder (tokenizer and template), the API and routing settings.</summary>
public sealed class ClusterGatewayHostOptions
{
    /// <summary>Redis as <c>HOST:PORT</c>.</summary>
    public required string Redis { get; init; }

    /// <summary>The model folder the preprocessor reads (tokenizer.json, chat template).</summary>
    public required string ModelFolder { get; init; }

    public GatewayOptions Gateway { get; init; } = new();

    /// <summary>Router mode, migration limit and busy threshold.</summary>
    public RoutedEngineClientOptions Routing { get; init; } = new();

    public RemoteEngineClientOptions Worker { get; init; } = new();

    public ClusterOptions Cluster { get; init; } = new();

    /// <summary>The API needs the model's card, which the first worker brings; how long to wait for one.</summary>
    public TimeSpan FirstWorkerTimeout { get; init; } = Timeout.InfiniteTimeSpan;
}
