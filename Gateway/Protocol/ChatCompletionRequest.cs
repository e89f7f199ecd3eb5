using System.Text.Json.Nodes;

namespace DynamoOrleans.Gateway.Protocol;

public enum ToolChoiceMode
{
    None,
    Auto,
    Required,
    Named,
}

/// <summary>A validated /v1/chat/completions request, messages normalised for the chat template.</summary>
public sealed record ChatCompletionRequest(
    GenerationOptions Generation,
    JsonArray Messages,
    JsonArray? Tools,
    ToolChoiceMode ToolChoice,
    string? NamedTool,
    IReadOnlyDictionary<string, JsonNode?> TemplateVariables)
{
    /// <summary>False: at most one tool call per choice.</summary>
    public bool ParallelToolCalls { get; init; } = true;

    /// <summary>True when the template receives tools and the output is parsed for tool calls.</summary>
    public bool ToolsActive => Tools is { Count: > 0 } && ToolChoice != ToolChoiceMode.None;
}
