using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Metrics;
using DynamoOrleans.Gateway.Preprocessing;
using DynamoOrleans.Gateway.Protocol;
using DynamoOrleans.Gateway.Streaming;
using Microsoft.Extensions.Logging;

namespace DynamoOrleans.Gateway.Hosting;

/// <summary>What every endpoint needs, registered once as a singleton by <c>AddDynamoGateway</c>.</summary>
public sealed class GatewayContext
{
    public GatewayContext(GatewayOptions options, IEngineClient engine, IPromptPreprocessor preprocessor, GatewayMetrics metrics, TimeProvider time, ILogger<GatewayContext> logger)
    {
        options.Validate();
        Options = options;
        Engine = engine;
        Preprocessor = preprocessor;
        Metrics = metrics;
        Time = time;
        Logger = logger;
        Runner = new ChoiceRunner(engine, metrics, time);
    }

    public GatewayOptions Options { get; }

    public IEngineClient Engine { get; }

    public IPromptPreprocessor Preprocessor { get; }

    public GatewayMetrics Metrics { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public ChoiceRunner Runner { get; }

    /// <summary>The name clients use in "model".</summary>
    public string ModelName => Options.ServedModelName ?? Engine.Model.Name;

    public void CheckModel(string model)
    {
        if (!string.Equals(model, ModelName, StringComparison.Ordinal) && !string.Equals(model, Engine.Model.Name, StringComparison.Ordinal))
            throw ApiError.ModelNotFound(model);
    }
}
