using DynamoOrleans.Gateway.Metrics;
using DynamoOrleans.Gateway.Streaming;
using Microsoft.Extensions.Logging;

namespace DynamoOrleans.Gateway.Hosting;

/// <summary>What every endpoint needs, registered once as a singleton by <c>AddDynamoGateway</c>.</summary>
public sealed class GatewayContext
{
    public GatewayContext(GatewayOptions options, IServedModels models, GatewayMetrics metrics, TimeProvider time, ILogger<GatewayContext> logger)
    {
        options.Validate();
        Options = options;
        Models = models;
        Metrics = metrics;
        Time = time;
        Logger = logger;
    }

    public GatewayOptions Options { get; }

    public IServedModels Models { get; }

    public GatewayMetrics Metrics { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    /// <summary>The name /health, /metrics and the OpenAPI document show.</summary>
    public string ModelName => Models.DisplayName;

    /// <summary>Runs a request's choices on <paramref name="model"/>'s engine (one small object per request).</summary>
    public ChoiceRunner RunnerFor(ServedModel model) => new(model.Engine, Metrics, Time);
}
