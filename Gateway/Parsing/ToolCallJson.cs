using System.Text.Json;
using System.Text.Json.Nodes;

namespace DynamoOrleans.Gateway.Parsing;

/// <summary>
/// Reads the JSON bodies of tool calls: <c>{"name":..,"arguments":{..}}</c> (Hermes/Qwen),
/// <c>{"name":..,"parameters":{..}}</c> (Llama 3), a JSON array of those, or Llama 3.2's
/// <c>;</c>-separated objects.
/// </summary>
public static class ToolCallJson
{
    /// <summary>Parses one or more calls; null when <paramref name="text"/> is not tool-call JSON.</summary>
    public static List<ToolCall>? TryParseCalls(string text, string? defaultName = null)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0) return null;
        var whole = TryParse(trimmed);
        if (whole is JsonArray array)
        {
            var calls = new List<ToolCall>(array.Count);
            foreach (var item in array)
                if (ToCall(item, defaultName) is { } call) calls.Add(call); else return null;
            return calls.Count > 0 ? calls : null;
        }
        if (whole is not null)
            return ToCall(whole, defaultName) is { } single ? [single] : null;
        if (!trimmed.Contains(';', StringComparison.Ordinal)) return null;
        var result = new List<ToolCall>();
        foreach (var part in trimmed.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (ToCall(TryParse(part), defaultName) is { } call) result.Add(call); else return null;
        return result.Count > 0 ? result : null;
    }

    private static ToolCall? ToCall(JsonNode? node, string? defaultName)
    {
        if (node is not JsonObject obj) return null;
        var name = obj["name"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        var args = obj["arguments"] ?? obj["parameters"];
        if (name is null)
        {
            // A named tool_choice lets the model answer with the bare arguments object.
            if (defaultName is null) return null;
            return new ToolCall(ToolCall.NewId(), defaultName, obj.ToJsonString());
        }
        var arguments = args switch
        {
            null => "{}",
            JsonValue s when s.GetValueKind() == JsonValueKind.String => s.GetValue<string>(),
            _ => args.ToJsonString(),
        };
        return new ToolCall(ToolCall.NewId(), name, arguments);
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
