using System.Text.Json;
using System.Text.RegularExpressions;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// One tokenizer.json normalizer. Normalizers run on each stretch of text between added tokens,
/// before pre-tokenization, as Hugging Face tokenizers does.
/// </summary>
internal abstract class Normalizer
{
    public abstract string Normalize(string text);

    /// <summary>Builds the normalizer of <c>normalizer</c>; null when the JSON value is null.</summary>
    public static Normalizer? FromJson(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Null)
            return null;
        var type = JsonConfig.Type(element, path);
        return type switch
        {
            "NFC" => new UnicodeFormNormalizer(compose: true, compatibility: false),
            "NFD" => new UnicodeFormNormalizer(compose: false, compatibility: false),
            "NFKC" => new UnicodeFormNormalizer(compose: true, compatibility: true),
            "NFKD" => new UnicodeFormNormalizer(compose: false, compatibility: true),
            "Lowercase" => new LowercaseNormalizer(),
            "Prepend" => new PrependNormalizer(JsonConfig.RequiredString(element, "prepend", path)),
            "Replace" => ReplaceNormalizer.Create(element, path),
            "Strip" => new StripNormalizer(
                JsonConfig.OptionalBool(element, "strip_left", path, true),
                JsonConfig.OptionalBool(element, "strip_right", path, true)),
            "Sequence" => SequenceNormalizer.Create(element, path),
            _ => throw new TokenizerFormatException($"{path}.type '{type}' is not supported"),
        };
    }
}

internal sealed class UnicodeFormNormalizer(bool compose, bool compatibility) : Normalizer
{
    public override string Normalize(string text) => UnicodeNormalization.Normalize(text, compose, compatibility);
}

internal sealed class LowercaseNormalizer : Normalizer
{
    public override string Normalize(string text) => text.ToLowerInvariant();
}

internal sealed class PrependNormalizer(string prefix) : Normalizer
{
    // Hugging Face prepends only to non-empty text.
    public override string Normalize(string text) => text.Length == 0 ? text : prefix + text;
}

internal sealed class StripNormalizer(bool left, bool right) : Normalizer
{
    public override string Normalize(string text) => (left, right) switch
    {
        (true, true) => text.Trim(),
        (true, false) => text.TrimStart(),
        (false, true) => text.TrimEnd(),
        _ => text,
    };
}

internal sealed class ReplaceNormalizer(ReplaceRule rule) : Normalizer
{
    public static ReplaceNormalizer Create(JsonElement element, string path) => new(ReplaceRule.Create(element, path));

    public override string Normalize(string text) => rule.Apply(text);
}

internal sealed class SequenceNormalizer(Normalizer[] normalizers) : Normalizer
{
    public static SequenceNormalizer Create(JsonElement element, string path)
    {
        var list = new List<Normalizer>();
        var index = 0;
        foreach (var item in JsonConfig.Array(element, "normalizers", path))
        {
            var itemPath = $"{path}.normalizers[{index++}]";
            if (FromJson(item, itemPath) is { } normalizer)
                list.Add(normalizer);
        }
        return new SequenceNormalizer([.. list]);
    }

    public override string Normalize(string text)
    {
        foreach (var normalizer in normalizers)
            text = normalizer.Normalize(text);
        return text;
    }
}
