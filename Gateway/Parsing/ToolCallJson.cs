using System.Text;
using System.Text.Json;

namespace DynamoOrleans.Gateway.Parsing;

/// <summary>
/// Reads the JSON bodies of tool calls in one piece: <c>{"name":..,"arguments":{..}}</c> (Hermes/Qwen),
/// <c>{"name":..,"parameters":{..}}</c> (Llama 3), a JSON array of those, or Llama 3.2's
/// <c>;</c>-separated objects. Arguments come out as <see cref="ToolCallReader"/> streams them:
/// the JSON as the model wrote it with whitespace outside strings removed, or the decoded text
/// when the model wrote the arguments as a JSON string.
/// </summary>
public static class ToolCallJson
{
    /// <summary>Parses one or more calls; null when <paramref name="text"/> is not tool-call JSON.</summary>
    public static List<ToolCall>? TryParseCalls(string text, string? defaultName = null)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0) return null;
        using (var whole = TryParse(trimmed))
        {
            if (whole?.RootElement is { ValueKind: JsonValueKind.Array } array)
            {
                var calls = new List<ToolCall>(array.GetArrayLength());
                foreach (var item in array.EnumerateArray())
                    if (ToCall(item, defaultName) is { } call) calls.Add(call); else return null;
                return calls.Count > 0 ? calls : null;
            }
            if (whole is not null)
                return ToCall(whole.RootElement, defaultName) is { } single ? [single] : null;
        }
        if (!trimmed.Contains(';', StringComparison.Ordinal)) return null;
        var result = new List<ToolCall>();
        foreach (var part in SplitOutsideStrings(trimmed))
        {
            using var doc = TryParse(part);
            if (doc is not null && ToCall(doc.RootElement, defaultName) is { } call) result.Add(call); else return null;
        }
        return result.Count > 0 ? result : null;
    }

    /// <summary>JSON text without the whitespace between tokens; strings are kept byte for byte, escapes included.</summary>
    public static string Compact(string json)
    {
        var builder = new StringBuilder(json.Length);
        var inString = false;
        var escaped = false;
        foreach (var c in json)
        {
            if (inString)
            {
                if (escaped) escaped = false;
                else if (c == '\\') escaped = true;
                else if (c == '"') inString = false;
            }
            else if (c is ' ' or '\t' or '\n' or '\r')
            {
                continue;
            }
            else if (c == '"')
            {
                inString = true;
            }
            builder.Append(c);
        }
        return builder.ToString();
    }

    // A ';' inside an argument string does not separate calls.
    private static List<string> SplitOutsideStrings(string text)
    {
        var parts = new List<string>();
        var inString = false;
        var escaped = false;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (escaped) escaped = false;
                else if (c == '\\') escaped = true;
                else if (c == '"') inString = false;
            }
            else if (c == '"')
            {
                inString = true;
            }
            else if (c == ';')
            {
                var part = text[start..i].Trim();
                if (part.Length > 0) parts.Add(part);
                start = i + 1;
            }
        }
        var last = text[start..].Trim();
        if (last.Length > 0) parts.Add(last);
        return parts;
    }

    private static ToolCall? ToCall(JsonElement element, string? defaultName)
    {
        if (element.ValueKind != JsonValueKind.Object) return null;
        string? name = null;
        JsonElement? args = null;
        foreach (var property in element.EnumerateObject())
        {
            // First occurrence wins, as in the streaming reader.
            if (property.NameEquals("name") && name is null)
            {
                if (property.Value.ValueKind != JsonValueKind.String) return defaultName is null ? null : Bare(element, defaultName);
                name = property.Value.GetString();
            }
            else if ((property.NameEquals("arguments") || property.NameEquals("parameters")) && args is null)
            {
                args = property.Value;
            }
        }
        // A named tool_choice lets the model answer with the bare arguments object.
        if (name is null) return defaultName is null ? null : Bare(element, defaultName);
        var arguments = args switch
        {
            null => "{}",
            { ValueKind: JsonValueKind.String } s => s.GetString() ?? string.Empty,
            { } value => Compact(value.GetRawText()),
        };
        return new ToolCall(ToolCall.NewId(), name, arguments);
    }

    private static ToolCall Bare(JsonElement element, string name) => new(ToolCall.NewId(), name, Compact(element.GetRawText()));

    private static JsonDocument? TryParse(string text)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
