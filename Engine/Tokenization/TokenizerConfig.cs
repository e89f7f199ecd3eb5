using System.Text.Json;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>The parts of tokenizer_config.json the tokenizer uses.</summary>
internal sealed record TokenizerConfig(string? BosToken, string? EosToken, IReadOnlyList<AddedToken> AddedTokens)
{
    public static TokenizerConfig Read(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new TokenizerFormatException("tokenizer_config.json must hold an object");
            var added = new List<AddedToken>();
            if (root.TryGetProperty("added_tokens_decoder", out var decoder) && decoder.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in decoder.EnumerateObject())
                {
                    var entryPath = $"tokenizer_config.added_tokens_decoder['{entry.Name}']";
                    if (!int.TryParse(entry.Name, out var id) || id < 0)
                        throw new TokenizerFormatException($"{entryPath} key must be a non-negative integer id");
                    added.Add(AddedToken.FromJson(entry.Value, entryPath, id));
                }
            }
            return new TokenizerConfig(TokenText(root, "bos_token"), TokenText(root, "eos_token"), added);
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException($"{path} is not valid JSON: {e.Message}", e);
        }
    }

    // Either "text" or an AddedToken object {"content": "text", ...}.
    private static string? TokenText(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value))
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object => JsonConfig.RequiredString(value, "content", "tokenizer_config." + name),
            _ => throw new TokenizerFormatException($"tokenizer_config.{name} must be a string or an object"),
        };
    }
}
