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

internal sealed class ReplaceNormalizer : Normalizer
{
    private readonly string? _literal;
    private readonly Regex? _regex;
    private readonly string _content;

    private ReplaceNormalizer(string? literal, Regex? regex, string content)
    {
        _literal = literal;
        _regex = regex;
        _content = content;
    }

    public static ReplaceNormalizer Create(JsonElement element, string path)
    {
        var (pattern, isRegex) = JsonConfig.Pattern(element, path);
        var content = JsonConfig.RequiredString(element, "content", path);
        return isRegex
            ? new ReplaceNormalizer(null, RegexTranslator.Compile(pattern, path + ".pattern"), content)
            : new ReplaceNormalizer(pattern.Length > 0 ? pattern : throw new TokenizerFormatException($"{path}.pattern must not be empty"), null, content);
    }

    public override string Normalize(string text) =>
        _literal is not null ? text.Replace(_literal, _content, StringComparison.Ordinal) : _regex!.Replace(text, _content);
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
