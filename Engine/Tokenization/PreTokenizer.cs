using System.Text.Json;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>A stretch of text that the model encodes on its own: <c>Text[Start..(Start + Length)]</c>.</summary>
/// <param name="AtInputStart">True when the piece begins at offset 0 of the caller's text (Metaspace's "first" scheme needs it).</param>
internal readonly record struct Piece(string Text, int Start, int Length, bool AtInputStart)
{
    public ReadOnlySpan<char> Span => Text.AsSpan(Start, Length);
}

/// <summary>
/// One pre-tokenizer step: splits (and sometimes rewrites) pieces. Steps never produce empty
/// pieces, as Hugging Face drops them too.
/// </summary>
internal abstract class PreTokenizer
{
    public abstract void Split(List<Piece> input, List<Piece> output);

    /// <summary>
    /// Builds the steps of <c>pre_tokenizer</c>, with Sequence flattened. ByteLevel's character
    /// mapping is not a step: it is applied per word right before the model (see
    /// <paramref name="mapsToByteLevel"/>), which keeps the hot path free of per-piece strings.
    /// </summary>
    public static PreTokenizer[] FromJson(JsonElement element, string path, out bool mapsToByteLevel)
    {
        var steps = new List<PreTokenizer>();
        var byteLevelPath = (string?)null;
        Add(element, path, steps, ref byteLevelPath);
        mapsToByteLevel = byteLevelPath is not null;
        return [.. steps];
    }

    private static void Add(JsonElement element, string path, List<PreTokenizer> steps, ref string? byteLevelPath)
    {
        if (element.ValueKind == JsonValueKind.Null)
            return;
        var type = JsonConfig.Type(element, path);
        if (byteLevelPath is not null)
            throw new TokenizerFormatException($"{path}.type '{type}' after the ByteLevel pre-tokenizer at {byteLevelPath} is not supported");
        switch (type)
        {
            case "Sequence":
                var index = 0;
                foreach (var item in JsonConfig.Array(element, "pretokenizers", path))
                    Add(item, $"{path}.pretokenizers[{index++}]", steps, ref byteLevelPath);
                break;
            case "Split":
                steps.Add(SplitPreTokenizer.FromJson(element, path));
                break;
            case "ByteLevel":
                steps.Add(ByteLevelPreTokenizer.FromJson(element, path));
                byteLevelPath = path;
                break;
            case "Metaspace":
                steps.Add(MetaspacePreTokenizer.FromJson(element, path));
                break;
            case "Digits":
                steps.Add(new DigitsPreTokenizer(JsonConfig.OptionalBool(element, "individual_digits", path, false)));
                break;
            default:
                throw new TokenizerFormatException($"{path}.type '{type}' is not supported");
        }
    }
}
