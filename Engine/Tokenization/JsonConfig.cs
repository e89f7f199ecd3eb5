using System.Text.Json;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// Reads parts of tokenizer.json with error messages that name the JSON path, so a bad file
/// fails loudly with the part that is wrong instead of encoding with a default.
/// </summary>
internal static class JsonConfig
{
    public static string Type(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new TokenizerFormatException($"{path} must be an object, found {element.ValueKind}");
        return RequiredString(element, "type", path);
    }

    public static JsonElement Required(JsonElement element, string name, string path)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
            throw new TokenizerFormatException($"{path}.{name} is missing");
        return value;
    }

    public static string RequiredString(JsonElement element, string name, string path)
    {
        var value = Required(element, name, path);
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new TokenizerFormatException($"{path}.{name} must be a string, found {value.ValueKind}");
    }

    public static string? OptionalString(JsonElement element, string name, string path)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new TokenizerFormatException($"{path}.{name} must be a string, found {value.ValueKind}");
    }

    public static bool OptionalBool(JsonElement element, string name, string path, bool fallback)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return fallback;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new TokenizerFormatException($"{path}.{name} must be a boolean, found {value.ValueKind}"),
        };
    }

    public static int OptionalInt(JsonElement element, string name, string path, int fallback)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return fallback;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw new TokenizerFormatException($"{path}.{name} must be an integer, found {value.ValueKind}");
    }

    public static JsonElement.ArrayEnumerator Array(JsonElement element, string name, string path)
    {
        var value = Required(element, name, path);
        return value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray()
            : throw new TokenizerFormatException($"{path}.{name} must be an array, found {value.ValueKind}");
    }

    /// <summary>A <c>{"String": "..."}</c> or <c>{"Regex": "..."}</c> pattern, as Split and Replace use.</summary>
    public static (string Text, bool IsRegex) Pattern(JsonElement element, string path)
    {
        var pattern = Required(element, "pattern", path);
        if (pattern.ValueKind == JsonValueKind.Object)
        {
            if (pattern.TryGetProperty("String", out var text) && text.ValueKind == JsonValueKind.String)
                return (text.GetString()!, false);
            if (pattern.TryGetProperty("Regex", out var regex) && regex.ValueKind == JsonValueKind.String)
                return (regex.GetString()!, true);
        }
        throw new TokenizerFormatException($"{path}.pattern must be {{\"String\": ...}} or {{\"Regex\": ...}}");
    }

    /// <summary>A single-character setting such as Metaspace's replacement or Strip's content.</summary>
    public static string Replacement(JsonElement element, string name, string path, string fallback)
    {
        var value = OptionalString(element, name, path) ?? fallback;
        return value.Length > 0 ? value : throw new TokenizerFormatException($"{path}.{name} must not be empty");
    }
}
