using System.Text.Json;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>An entry of <c>added_tokens</c>: text matched whole, before pre-tokenization.</summary>
/// <param name="LStrip">Also swallow the whitespace to the left of a match.</param>
/// <param name="RStrip">Also swallow the whitespace to the right of a match.</param>
/// <param name="SingleWord">Match only where no word character touches either side.</param>
/// <param name="Normalized">Match against normalized text (the content is normalized too) instead of the raw input.</param>
internal sealed record AddedToken(int Id, string Content, bool Special, bool LStrip, bool RStrip, bool SingleWord, bool Normalized)
{
    public static AddedToken FromJson(JsonElement element, string path, int? id = null)
    {
        var tokenId = id ?? JsonConfig.OptionalInt(element, "id", path, -1);
        if (tokenId < 0)
            throw new TokenizerFormatException($"{path}.id is missing or negative");
        var content = JsonConfig.RequiredString(element, "content", path);
        if (content.Length == 0)
            throw new TokenizerFormatException($"{path}.content must not be empty");
        var special = JsonConfig.OptionalBool(element, "special", path, false);
        return new AddedToken(
            tokenId,
            content,
            special,
            JsonConfig.OptionalBool(element, "lstrip", path, false),
            JsonConfig.OptionalBool(element, "rstrip", path, false),
            JsonConfig.OptionalBool(element, "single_word", path, false),
            // Hugging Face's default: non-special tokens are matched on normalized text.
            JsonConfig.OptionalBool(element, "normalized", path, !special));
    }
}
