using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DynamoOrleans.Gateway.Protocol;

/// <summary>
/// Checks chat messages and rewrites them for templates: text parts joined into one string,
/// developer → system, and assistant tool-call arguments parsed from a JSON string into an
/// object (as vLLM does, since Hermes/Qwen/Llama templates render <c>arguments | tojson</c>).
/// </summary>
internal static class ChatMessageNormalizer
{
    public static JsonArray Normalize(JsonArray messages)
    {
        if (messages.Count == 0)
            throw ApiError.BadRequest("'messages' must contain at least one message.", "messages", "invalid_value");
        var result = new JsonArray();
        for (var i = 0; i < messages.Count; i++)
            result.Add(NormalizeOne(messages[i], $"messages[{i}]"));
        return result;
    }

    private static JsonObject NormalizeOne(JsonNode? node, string param)
    {
        if (node is not JsonObject message) throw JsonFields.TypeError(param, "an object", node);
        var role = JsonFields.OptionalString(message, "role")
            ?? throw ApiError.BadRequest($"Missing required parameter: '{param}.role'.", param + ".role", "missing_required_parameter");
        var output = new JsonObject();
        switch (role)
        {
            case "system" or "developer" or "user":
                output["role"] = role == "developer" ? "system" : role;
                output["content"] = ReadContent(message, param, required: true);
                break;
            case "assistant":
                output["role"] = "assistant";
                var toolCalls = ReadToolCalls(message, param);
                output["content"] = ReadContent(message, param, required: toolCalls is null);
                if (toolCalls is not null) output["tool_calls"] = toolCalls;
                if (JsonFields.OptionalString(message, "reasoning_content") is { } reasoning)
                    output["reasoning_content"] = reasoning;
                break;
            case "tool":
                output["role"] = "tool";
                output["content"] = ReadContent(message, param, required: true);
                output["tool_call_id"] = JsonFields.RequiredString(message, "tool_call_id", param + ".tool_call_id");
                break;
            default:
                throw ApiError.BadRequest($"Invalid value for '{param}.role': '{role}'. Supported roles are system, developer, user, assistant and tool.", param + ".role", "invalid_value");
        }
        if (JsonFields.OptionalString(message, "name") is { } name) output["name"] = name;
        return output;
    }

    private static string? ReadContent(JsonObject message, string param, bool required)
    {
        var node = message["content"];
        if (node is null)
        {
            if (required) throw ApiError.BadRequest($"Missing required parameter: '{param}.content'.", param + ".content", "missing_required_parameter");
            return null;
        }
        if (node.GetValueKind() == JsonValueKind.String) return node.GetValue<string>();
        if (node is not JsonArray parts) throw JsonFields.TypeError(param + ".content", "a string or an array of content parts", node);
        var text = new StringBuilder();
        for (var i = 0; i < parts.Count; i++)
        {
            var partParam = $"{param}.content[{i}]";
            if (parts[i] is not JsonObject part) throw JsonFields.TypeError(partParam, "an object", parts[i]);
            var type = JsonFields.RequiredString(part, "type", partParam + ".type");
            if (type != "text")
                throw ApiError.BadRequest($"Content part type '{type}' is not supported by this model; only 'text' is.", partParam + ".type", "unsupported_parameter");
            text.Append(JsonFields.RequiredString(part, "text", partParam + ".text"));
        }
        return text.ToString();
    }

    private static JsonArray? ReadToolCalls(JsonObject message, string param)
    {
        var calls = JsonFields.OptionalArray(message, "tool_calls");
        if (calls is null || calls.Count == 0) return null;
        var result = new JsonArray();
        for (var i = 0; i < calls.Count; i++)
        {
            var callParam = $"{param}.tool_calls[{i}]";
            if (calls[i] is not JsonObject call) throw JsonFields.TypeError(callParam, "an object", calls[i]);
            if (call["function"] is not JsonObject function) throw JsonFields.TypeError(callParam + ".function", "an object", call["function"]);
            var name = JsonFields.RequiredString(function, "name", callParam + ".function.name");
            var normalized = new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = name, ["arguments"] = ReadArguments(function, callParam) },
            };
            if (JsonFields.OptionalString(call, "id") is { } id) normalized["id"] = id;
            result.Add(normalized);
        }
        return result;
    }

    private static JsonNode ReadArguments(JsonObject function, string param)
    {
        var node = function["arguments"];
        if (node is null) return new JsonObject();
        if (node is JsonObject obj) return obj.DeepClone();
        if (node.GetValueKind() != JsonValueKind.String) throw JsonFields.TypeError(param + ".function.arguments", "a JSON string", node);
        var text = node.GetValue<string>();
        try
        {
            return JsonNode.Parse(text) is JsonObject parsed ? parsed : new JsonObject();
        }
        catch (JsonException)
        {
            throw ApiError.BadRequest($"'{param}.function.arguments' is not valid JSON.", param + ".function.arguments", "invalid_value");
        }
    }
}
