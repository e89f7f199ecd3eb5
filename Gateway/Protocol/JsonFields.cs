using System.Text.Json;
using System.Text.Json.Nodes;

namespace DynamoOrleans.Gateway.Protocol;

/// <summary>
/// Typed reads of request fields that answer a wrong type or range with a 400 naming the field,
/// the way OpenAI does, instead of a model-binding exception.
/// </summary>
internal static class JsonFields
{
    public static bool IsAbsent(JsonNode? node) => node is null;

    public static string? OptionalString(JsonObject obj, string name)
    {
        var node = obj[name];
        if (node is null) return null;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String) return v.GetValue<string>();
        throw TypeError(name, "a string", node);
    }

    public static string RequiredString(JsonObject obj, string name, string? param = null)
    {
        if (obj[name] is null)
            throw ApiError.BadRequest($"Missing required parameter: '{param ?? name}'.", param ?? name, "missing_required_parameter");
        return OptionalString(obj, name)!;
    }

    public static bool? OptionalBool(JsonObject obj, string name)
    {
        var node = obj[name];
        if (node is null) return null;
        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw TypeError(name, "a boolean", node),
        };
    }

    public static double? OptionalNumber(JsonObject obj, string name, double min, double max)
    {
        var node = obj[name];
        if (node is null) return null;
        if (node.GetValueKind() != JsonValueKind.Number) throw TypeError(name, "a number", node);
        var value = node.GetValue<double>();
        if (double.IsNaN(value) || value < min || value > max)
            throw ApiError.BadRequest($"{value} is not a valid value for '{name}': it must be between {min} and {max}.", name, "invalid_value");
        return value;
    }

    public static long? OptionalInteger(JsonObject obj, string name, long min, long max)
    {
        var node = obj[name];
        if (node is null) return null;
        return ReadInteger(node, name, min, max);
    }

    public static long ReadInteger(JsonNode node, string name, long min, long max)
    {
        if (node.GetValueKind() != JsonValueKind.Number) throw TypeError(name, "an integer", node);
        var element = node.GetValue<JsonElement>();
        if (!element.TryGetInt64(out var value))
        {
            // An integral value past Int64 is out of range; a fractional one is the wrong type.
            if (element.TryGetDouble(out var d) && Math.Floor(d) == d)
                throw RangeError(name, element.GetRawText(), min, max);
            throw TypeError(name, "an integer", node);
        }
        if (value < min || value > max) throw RangeError(name, value.ToString(System.Globalization.CultureInfo.InvariantCulture), min, max);
        return value;
    }

    public static JsonObject? OptionalObject(JsonObject obj, string name)
    {
        var node = obj[name];
        if (node is null) return null;
        return node as JsonObject ?? throw TypeError(name, "an object", node);
    }

    public static JsonArray? OptionalArray(JsonObject obj, string name)
    {
        var node = obj[name];
        if (node is null) return null;
        return node as JsonArray ?? throw TypeError(name, "an array", node);
    }

    public static ApiError TypeError(string name, string expected, JsonNode? node) =>
        ApiError.BadRequest($"Invalid type for '{name}': expected {expected}, but got {Describe(node)}.", name, "invalid_type");

    private static ApiError RangeError(string name, string value, long min, long max) =>
        ApiError.BadRequest($"{value} is not a valid value for '{name}': it must be between {min} and {max}.", name, "invalid_value");

    private static string Describe(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "an unknown value",
    };
}
