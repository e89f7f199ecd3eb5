using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Preprocessing;

namespace DynamoOrleans.Gateway.Hosting;

/// <summary>
/// One model the gateway answers for: the name clients send, the engine that generates (in-process, or the
/// cluster's workers of that model), its tokenizer and chat template, and the options its requests are read
/// with (limits, and sampling defaults from that model's generation_config.json).
/// </summary>
public sealed class ServedModel(string name, IEngineClient engine, IPromptPreprocessor preprocessor, GatewayOptions options)
{
    public string Name { get; } = name;

    public IEngineClient Engine { get; } = engine;

    public IPromptPreprocessor Preprocessor { get; } = preprocessor;

    public GatewayOptions Options { get; } = options;

    /// <summary>The engine's card: vocabulary, context, EOS ids; requests are validated against it.</summary>
    public ModelCard Card => Engine.Model;
}
