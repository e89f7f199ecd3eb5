using System.Text.Json;
using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Gateway.Hosting;

/// <summary>
/// The models the gateway serves and how a request's <c>model</c> finds one: a single fixed model
/// (<see cref="SingleServedModel"/>: <c>dynamo serve</c>, <c>dynamo gateway --model-dir</c>), or the set a
/// cluster's live workers bring (<c>dynamo gateway</c> without a model folder).
/// </summary>
public interface IServedModels
{
    /// <summary>The model named <paramref name="model"/>.</summary>
    /// <exception cref="Protocol.ApiError">404 <c>model_not_found</c> when none serves that name; a 503 while it cannot serve yet.</exception>
    ServedModel Resolve(string model);

    /// <summary>The models a client can use now (/v1/models).</summary>
    IReadOnlyList<ServedModel> List();

    /// <summary>All engines' load together (/health, /metrics).</summary>
    EngineLoad GetLoad();

    /// <summary>The name /health, /metrics' labels and the OpenAPI document show.</summary>
    string DisplayName { get; }

    /// <summary>Adds fields to the /health object (a cluster's models and refused workers); none by default.</summary>
    void WriteHealth(Utf8JsonWriter writer)
    {
    }
}
