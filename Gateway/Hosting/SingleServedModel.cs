using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Preprocessing;
using DynamoOrleans.Gateway.Protocol;

namespace DynamoOrleans.Gateway.Hosting;

/// <summary>
/// One fixed model: requests name it by <see cref="GatewayOptions.ServedModelName"/> or by the engine's own name.
/// The model is built on first use, as a cluster's engine learns its card only when the first worker joins.
/// </summary>
public sealed class SingleServedModel(GatewayOptions options, IEngineClient engine, IPromptPreprocessor preprocessor) : IServedModels
{
    private ServedModel? _model;

    public ServedModel Model => _model ??= new ServedModel(options.ServedModelName ?? engine.Model.Name, engine, preprocessor, options);

    public string DisplayName => Model.Name;

    public ServedModel Resolve(string model)
    {
        var served = Model;
        if (!string.Equals(model, served.Name, StringComparison.Ordinal) && !string.Equals(model, engine.Model.Name, StringComparison.Ordinal))
            throw ApiError.ModelNotFound(model);
        return served;
    }

    public IReadOnlyList<ServedModel> List() => [Model];

    public EngineLoad GetLoad() => engine.GetLoad();
}
