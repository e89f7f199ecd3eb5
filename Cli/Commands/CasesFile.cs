using System.Text.Json;
using System.Text.Json.Nodes;

namespace DynamoOrleans.Cli.Commands;

/// <summary>
/// Reads and writes the fixture-shaped case files (<c>{"encode": [...]}</c>, <c>{"chat": [...]}</c>):
/// every field of the input survives, the computed fields are added or replaced.
/// </summary>
internal static class CasesFile
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static (JsonObject Root, JsonArray Cases) Read(string path, string listName)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new CliException($"{path}: not valid JSON: {e.Message}");
        }
        if (root is not JsonObject obj || obj[listName] is not JsonArray cases)
            throw new CliException($"{path}: expected an object with a \"{listName}\" array");
        return (obj, cases);
    }

    public static void Write(string path, JsonObject root)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        File.WriteAllText(path, root.ToJsonString(Indented) + "\n");
    }

    public static JsonArray IdsToJson(IReadOnlyList<int> ids)
    {
        var array = new JsonArray();
        foreach (var id in ids)
            array.Add(id);
        return array;
    }
}
