using System.Text.Json;

namespace DynamoOrleans.Engine.Tokenization;

public sealed partial class Tokenizer
{
    private static readonly JsonElement JsonNull = JsonDocument.Parse("null").RootElement.Clone();

    private Tokenizer(JsonElement root, TokenizerConfig? config)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new TokenizerFormatException("tokenizer.json must hold an object");
        _model = BpeModel.FromJson(JsonConfig.Required(root, "model", "tokenizer"), "model");
        _normalizer = Normalizer.FromJson(Optional(root, "normalizer"), "normalizer");
        _preTokenizers = PreTokenizer.FromJson(Optional(root, "pre_tokenizer"), "pre_tokenizer", out _mapsToByteLevel);
        // The model sees characters, not byte-level symbols, only without a ByteLevel step.
        _splitsBeforeMetaspace = !_mapsToByteLevel && _model.SplitsBeforeMetaspace;
        _postProcessor = PostProcessor.FromJson(Optional(root, "post_processor"), "post_processor");
        _decoder = TokenDecoder.FromJson(Optional(root, "decoder"), "decoder");

        _addedById = [];
        _addedByContent = new Dictionary<string, AddedToken>(StringComparer.Ordinal);
        var addedTokens = Optional(root, "added_tokens");
        if (addedTokens.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in addedTokens.EnumerateArray())
                AddToken(AddedToken.FromJson(item, $"added_tokens[{index++}]"));
        }
        else if (addedTokens.ValueKind != JsonValueKind.Null)
        {
            throw new TokenizerFormatException("added_tokens must be an array");
        }
        if (config is not null)
        {
            foreach (var token in config.AddedTokens)
            {
                if (!_addedById.ContainsKey(token.Id))
                    AddToken(token);
            }
            BosToken = config.BosToken;
            EosToken = config.EosToken;
        }

        _rawMatcher = new AddedTokenMatcher(_addedByContent.Values.Where(t => !t.Normalized).Select(t => (t.Content, t)));
        _normalizedMatcher = new AddedTokenMatcher(_addedByContent.Values.Where(t => t.Normalized)
            .Select(t => (_normalizer?.Normalize(t.Content) ?? t.Content, t)));
        var largestAdded = _addedById.Count == 0 ? -1 : _addedById.Keys.Max();
        VocabSize = Math.Max(_model.IdToToken.Length, largestAdded + 1);
    }

    /// <summary>Reads a tokenizer.json file.</summary>
    /// <exception cref="TokenizerFormatException">The file is malformed or uses an unsupported component.</exception>
    public static Tokenizer FromFile(string tokenizerJsonPath) => Load(tokenizerJsonPath, null);

    /// <summary>
    /// Reads <c>tokenizer.json</c> in <paramref name="modelDir"/>, and <c>tokenizer_config.json</c>
    /// when present (bos_token, eos_token, and added_tokens_decoder entries missing from tokenizer.json).
    /// </summary>
    public static Tokenizer FromDirectory(string modelDir)
    {
        var configPath = Path.Combine(modelDir, "tokenizer_config.json");
        var config = File.Exists(configPath) ? TokenizerConfig.Read(configPath) : null;
        return Load(Path.Combine(modelDir, "tokenizer.json"), config);
    }

    private static Tokenizer Load(string path, TokenizerConfig? config)
    {
        using var stream = File.OpenRead(path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new TokenizerFormatException($"{path} is not valid JSON: {e.Message}", e);
        }
        using (document)
            return new Tokenizer(document.RootElement, config);
    }

    internal static Tokenizer FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return new Tokenizer(document.RootElement, null);
    }

    private void AddToken(AddedToken token)
    {
        if (_addedByContent.TryGetValue(token.Content, out var existing) && existing.Id != token.Id)
            throw new TokenizerFormatException($"added token '{token.Content}' has two ids, {existing.Id} and {token.Id}");
        _addedById[token.Id] = token;
        _addedByContent[token.Content] = token;
    }

    // A missing component reads as null, as Hugging Face treats it.
    private static JsonElement Optional(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value : JsonNull;
}
