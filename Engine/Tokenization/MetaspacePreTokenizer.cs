using System.Text.Json;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>When Metaspace puts the replacement character in front of a piece.</summary>
internal enum PrependScheme
{
    Always,
    First,
    Never,
}

/// <summary>
/// Metaspace (SentencePiece style): spaces become the replacement character (▁), a ▁ is
/// prepended per <see cref="PrependScheme"/>, and pieces are split before each ▁.
/// </summary>
internal sealed class MetaspacePreTokenizer(char replacement, PrependScheme scheme, bool split) : PreTokenizer
{
    public static MetaspacePreTokenizer FromJson(JsonElement element, string path)
    {
        var replacement = JsonConfig.Replacement(element, "replacement", path, "\u2581");
        if (replacement.Length != 1)
            throw new TokenizerFormatException($"{path}.replacement must be one character");
        return new MetaspacePreTokenizer(replacement[0], ParseScheme(element, path), JsonConfig.OptionalBool(element, "split", path, true));
    }

    public static PrependScheme ParseScheme(JsonElement element, string path)
    {
        // Older files have only add_prefix_space; as in Hugging Face, false means "never" and
        // contradicts any other declared scheme.
        var name = JsonConfig.OptionalString(element, "prepend_scheme", path);
        var scheme = name switch
        {
            "always" or null => PrependScheme.Always,
            "first" => PrependScheme.First,
            "never" => PrependScheme.Never,
            _ => throw new TokenizerFormatException($"{path}.prepend_scheme '{name}' is not supported"),
        };
        if (JsonConfig.OptionalBool(element, "add_prefix_space", path, true))
            return scheme;
        return name is null or "never"
            ? PrependScheme.Never
            : throw new TokenizerFormatException($"{path}.add_prefix_space false contradicts prepend_scheme '{name}'");
    }

    public override void Split(List<Piece> input, List<Piece> output)
    {
        foreach (var piece in input)
        {
            var text = piece.Span.ToString().Replace(' ', replacement);
            var prepend = scheme == PrependScheme.Always || (scheme == PrependScheme.First && piece.AtInputStart);
            if (prepend && (text.Length == 0 || text[0] != replacement))
                text = replacement + text;
            if (!split)
            {
                if (text.Length > 0)
                    output.Add(new Piece(text, 0, text.Length, piece.AtInputStart));
                continue;
            }
            // MergedWithNext on the replacement: each ▁ starts a new piece.
            var start = 0;
            for (var i = 1; i < text.Length; i++)
            {
                if (text[i] == replacement)
                {
                    output.Add(new Piece(text, start, i - start, piece.AtInputStart && start == 0));
                    start = i;
                }
            }
            if (text.Length > start)
                output.Add(new Piece(text, start, text.Length - start, piece.AtInputStart && start == 0));
        }
    }
}
