using System.Text.Json;
using System.Text.Json.Nodes;

namespace DynamoOrleans.Gateway.Protocol;

/// <summary>Validates a chat request body and normalises its messages into the shape chat templates expect.</summary>
internal static class ChatCompletionRequestReader
{
    public static ChatCompletionRequest Read(JsonObject body, GatewayOptions limits)
    {
        var logprobs = JsonFields.OptionalBool(body, "logprobs") ?? false;
        var top = JsonFields.OptionalInteger(body, "top_logprobs", 0, limits.MaxTopLogprobs);
        if (top is not null && !logprobs)
            throw ApiError.BadRequest("'top_logprobs' requires 'logprobs' to be true.", "top_logprobs");
        var generation = GenerationOptionsReader.Read(body, limits, logprobs ? (int)(top ?? 0) : null);
        RejectUnsupportedFormat(body);

        var messages = ChatMessageNormalizer.Normalize(JsonFields.OptionalArray(body, "messages")
            ?? throw ApiError.BadRequest("Missing required parameter: 'messages'.", "messages", "missing_required_parameter"));
        var tools = ReadTools(body);
        var (choice, named) = ReadToolChoice(body, tools);
        var parallel = JsonFields.OptionalBool(body, "parallel_tool_calls") ?? true;
        return new ChatCompletionRequest(generation, messages, tools, choice, named, ReadTemplateVariables(body)) { ParallelToolCalls = parallel };
    }

    private static JsonArray? ReadTools(JsonObject body)
    {
        var tools = JsonFields.OptionalArray(body, "tools");
        if (tools is null) return null;
        var result = new JsonArray();
        for (var i = 0; i < tools.Count; i++)
        {
            var param = $"tools[{i}]";
            if (tools[i] is not JsonObject tool) throw JsonFields.TypeError(param, "an object", tools[i]);
            var type = JsonFields.OptionalString(tool, "type") ?? "function";
            if (type != "function")
                throw ApiError.BadRequest($"Invalid value for '{param}.type': only 'function' is supported.", param + ".type", "invalid_value");
            if (tool["function"] is not JsonObject function) throw JsonFields.TypeError(param + ".function", "an object", tool["function"]);
            var name = JsonFields.RequiredString(function, "name", param + ".function.name");
            if (name.Length == 0) throw ApiError.BadRequest($"'{param}.function.name' must not be empty.", param + ".function.name", "invalid_value");
            JsonFields.OptionalString(function, "description");
            if (function["parameters"] is { } p && p is not JsonObject)
                throw JsonFields.TypeError(param + ".function.parameters", "an object", p);
            result.Add(new JsonObject { ["type"] = "function", ["function"] = function.DeepClone() });
        }
        return result;
    }

    private static (ToolChoiceMode, string?) ReadToolChoice(JsonObject body, JsonArray? tools)
    {
        var node = body["tool_choice"];
        var hasTools = tools is { Count: > 0 };
        if (node is null) return (hasTools ? ToolChoiceMode.Auto : ToolChoiceMode.None, null);
        if (node.GetValueKind() == JsonValueKind.String)
        {
            var mode = node.GetValue<string>() switch
            {
                "none" => ToolChoiceMode.None,
                "auto" => ToolChoiceMode.Auto,
                "required" => ToolChoiceMode.Required,
                var other => throw ApiError.BadRequest($"Invalid value for 'tool_choice': '{other}'. Use 'none', 'auto', 'required' or a named function.", "tool_choice", "invalid_value"),
            };
            if (mode == ToolChoiceMode.Required && !hasTools)
                throw ApiError.BadRequest("'tool_choice' is 'required' but no 'tools' were given.", "tool_choice", "invalid_value");
            return (hasTools ? mode : ToolChoiceMode.None, null);
        }
        if (node is not JsonObject obj || obj["function"] is not JsonObject function)
            throw JsonFields.TypeError("tool_choice", "a string or {\"type\":\"function\",\"function\":{\"name\":...}}", node);
        var name = JsonFields.RequiredString(function, "name", "tool_choice.function.name");
        if (!hasTools || !tools!.Any(t => t?["function"]?["name"]?.GetValue<string>() == name))
            throw ApiError.BadRequest($"'tool_choice' names function '{name}', which is not in 'tools'.", "tool_choice", "invalid_value");
        return (ToolChoiceMode.Named, name);
    }

    private static Dictionary<string, JsonNode?> ReadTemplateVariables(JsonObject body)
    {
        var variables = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var kwargs = JsonFields.OptionalObject(body, "chat_template_kwargs");
        if (kwargs is not null)
            foreach (var (key, value) in kwargs)
                variables[key] = value?.DeepClone();
        return variables;
    }

    private static void RejectUnsupportedFormat(JsonObject body)
    {
        var format = JsonFields.OptionalObject(body, "response_format");
        if (format is null) return;
        var type = JsonFields.OptionalString(format, "type");
        if (type is not null and not "text")
            throw ApiError.BadRequest($"response_format type '{type}' is not supported by this server.", "response_format", "unsupported_parameter");
    }
}
