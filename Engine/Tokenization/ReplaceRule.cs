using System.Text.Json;
using System.Text.RegularExpressions;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// The <c>Replace</c> step that tokenizer.json uses both as a normalizer and as a decoder: a literal
/// string or a regex pattern, and the text that takes its place.
/// </summary>
internal sealed class ReplaceRule
{
    private readonly string? _literal;
    private readonly Regex? _regex;
    private readonly string _content;

    private ReplaceRule(string? literal, Regex? regex, string content)
    {
        _literal = literal;
        _regex = regex;
        _content = content;
    }

    public static ReplaceRule Create(JsonElement element, string path)
    {
        var (pattern, isRegex) = JsonConfig.Pattern(element, path);
        var content = JsonConfig.RequiredString(element, "content", path);
        return isRegex
            ? new ReplaceRule(null, RegexTranslator.Compile(pattern, path + ".pattern"), content)
            : new ReplaceRule(pattern.Length > 0 ? pattern : throw new TokenizerFormatException($"{path}.pattern must not be empty"), null, content);
    }

    public string Apply(string text) =>
        _literal is not null ? text.Replace(_literal, _content, StringComparison.Ordinal) : _regex!.Replace(text, _content);
}
