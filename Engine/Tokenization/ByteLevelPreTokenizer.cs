using System.Text.Json;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// ByteLevel: optionally prefixes a space and splits with the GPT-2 regex. Its mapping of bytes to
/// the printable alphabet is done per word by <see cref="Tokenizer"/> right before the model.
/// </summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : PreTokenizer
{
    private readonly SplitPreTokenizer? _words = useRegex ? SplitPreTokenizer.Gpt2Words() : null;

    public static ByteLevelPreTokenizer FromJson(JsonElement element, string path) => new(
        JsonConfig.OptionalBool(element, "add_prefix_space", path, true),
        JsonConfig.OptionalBool(element, "use_regex", path, true));

    public override void Split(List<Piece> input, List<Piece> output)
    {
        if (addPrefixSpace)
        {
            // Hugging Face prefixes every piece that does not start with a space.
            for (var i = 0; i < input.Count; i++)
            {
                var piece = input[i];
                if (piece.Length > 0 && piece.Span[0] != ' ')
                    input[i] = new Piece(" " + piece.Span.ToString(), 0, piece.Length + 1, piece.AtInputStart);
            }
        }
        if (_words is not null)
            _words.Split(input, output);
        else
            output.AddRange(input);
    }
}
