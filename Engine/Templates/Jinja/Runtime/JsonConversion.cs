using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DynamoOrleans.Engine.Templates.Jinja.Runtime;

/// <summary>Turns request JSON into template values the way json.loads would: objects keep key order, 1 is int and 1.0 float.</summary>
internal static class JsonConversion
{
    public static object? ToValue(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                var dict = Values.NewDict();
                foreach (var (key, child) in obj)
                    dict[key] = ToValue(child);
                return dict;
            case JsonArray array:
                var list = new List<object?>(array.Count);
                foreach (var child in array)
                    list.Add(ToValue(child));
                return list;
            default:
                var value = node.AsValue();
                return value.GetValueKind() switch
                {
                    JsonValueKind.String => value.GetValue<string>(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Null or JsonValueKind.Undefined => null,
                    JsonValueKind.Number => Number(value),
                    var kind => throw new TemplateException($"unexpected JSON value kind {kind}"),
                };
        }
    }

    /// <summary>
    /// Parsed JSON keeps its text, so "2.0" stays a float; a value built from a C# double prints as
    /// "2", so its CLR type decides instead.
    /// </summary>
    private static object Number(JsonValue value)
    {
        if (value.TryGetValue<JsonElement>(out var element))
            return ParseNumber(element.GetRawText());
        if (value.TryGetValue<double>(out var d))
            return d;
        if (value.TryGetValue<float>(out var f))
            return (double)f;
        if (value.TryGetValue<decimal>(out var m))
            return (double)m;
        return ParseNumber(value.ToJsonString());
    }

    private static object ParseNumber(string text)
    {
        if (text.AsSpan().IndexOfAny(".eE") < 0 && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return integer;
        return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
