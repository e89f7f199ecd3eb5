using System.Text.Json;

namespace DynamoOrleans.Engine.Models;

/// <summary>Typed reads of Hugging Face JSON fields that turn a missing or mistyped field into a <see cref="ModelFormatException"/> naming it.</summary>
internal readonly struct ConfigJson(JsonElement root, string file)
{
    public JsonElement Root => root;

    public string File => file;

    public bool TryGet(string name, out JsonElement value)
    {
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
            return true;
        value = default;
        return false;
    }

    public int RequiredInt(string name) =>
        TryGet(name, out var v) ? AsInt(name, v) : throw Missing(name);

    public int? OptionalInt(string name) => TryGet(name, out var v) ? AsInt(name, v) : null;

    public double? OptionalDouble(string name)
    {
        if (!TryGet(name, out var v))
            return null;
        return v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Invalid(name, "a number");
    }

    public bool? OptionalBool(string name)
    {
        if (!TryGet(name, out var v))
            return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Invalid(name, "true or false"),
        };
    }

    public string? OptionalString(string name)
    {
        if (!TryGet(name, out var v))
            return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Invalid(name, "a string");
    }

    /// <summary>A token id field that holds an int, a list of ints, or nothing.</summary>
    public int[] TokenIds(string name)
    {
        if (!TryGet(name, out var v))
            return [];
        if (v.ValueKind == JsonValueKind.Number)
            return [AsInt(name, v)];
        if (v.ValueKind != JsonValueKind.Array)
            throw Invalid(name, "an int or a list of ints");
        var ids = new int[v.GetArrayLength()];
        var i = 0;
        foreach (var item in v.EnumerateArray())
            ids[i++] = AsInt(name, item);
        return ids;
    }

    public ConfigJson? OptionalObject(string name)
    {
        if (!TryGet(name, out var v))
            return null;
        return v.ValueKind == JsonValueKind.Object ? new ConfigJson(v, $"{file} field '{name}'") : throw Invalid(name, "an object");
    }

    public ModelFormatException Missing(string name) => new($"{file}: required field '{name}' is missing");

    public ModelFormatException Invalid(string name, string expected) => new($"{file}: field '{name}' must be {expected}");

    private int AsInt(string name, JsonElement v) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : throw Invalid(name, "an integer");

    public static JsonDocument Parse(string path)
    {
        if (!System.IO.File.Exists(path))
            throw new ModelFormatException($"{path} is missing");
        try
        {
            return JsonDocument.Parse(System.IO.File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path} is not valid JSON: {e.Message}", e);
        }
    }
}
