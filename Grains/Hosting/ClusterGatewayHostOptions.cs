using DynamoOrleans.Cluster;
using DynamoOrleans.Gateway;
using DynamoOrleans.Grains.Requests;
using DynamoOrleans.Grains.Worker;

namespace DynamoOrleans.Grains.Hosting;

/// <summary>What <c>dynamo gateway</c> takes: where Redis is, optionally a model folder (tokenizer and template), the API and routing settings.</summary>
public sealed class ClusterGatewayHostOptions
{
    /// <summary>Redis as <c>HOST:PORT</c>.</summary>
    public required string Redis { get; init; }

    /// <summary>
    /// A model folder (tokenizer.json, chat template): the gateway serves that one model and every worker must match
    /// it. Null: the models are those the live workers register, with the files their silos publish to Redis.
    /// </summary>
    public string? ModelFolder { get; init; }

    public GatewayOptions Gateway { get; init; } = new();

    /// <summary>Router mode, migration limit and busy threshold.</summary>
    public RoutedEngineClientOptions Routing { get; init; } = new();

    public RemoteEngineClientOptions Worker { get; init; } = new();

    public ClusterOptions Cluster { get; init; } = new();

    /// <summary>
    /// The API starts once a model can be served: the first worker (it brings the model's card) and, without a model
    /// folder, its model's files; how long to wait for that.
    /// </summary>
    public TimeSpan FirstWorkerTimeout { get; init; } = Timeout.InfiniteTimeSpan;
}
