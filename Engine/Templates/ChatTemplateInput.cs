using System.Text.Json.Nodes;

namespace DynamoOrleans.Engine.Templates;

/// <summary>
/// What a chat template renders: the OpenAI-style messages, optional tool schemas, whether to open
/// the assistant turn, and extra template variables (e.g. enable_thinking) as transformers'
/// apply_chat_template passes them as keyword arguments.
/// </summary>
public sealed record ChatTemplateInput(JsonArray Messages)
{
    private static readonly IReadOnlyDictionary<string, JsonNode?> NoVariables = new Dictionary<string, JsonNode?>();

    public JsonArray? Tools { get; init; }

    public bool AddGenerationPrompt { get; init; }

    public IReadOnlyDictionary<string, JsonNode?> Variables { get; init; } = NoVariables;
}
