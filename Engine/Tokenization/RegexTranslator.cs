using System.Text.RegularExpressions;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// Turns a tokenizer.json regex (written for Rust's Oniguruma) into a .NET <see cref="Regex"/>.
/// The syntax used by real tokenizers (<c>\p{L}</c>, <c>(?i:...)</c>, lookahead) is the same in
/// both; what .NET cannot parse is reported with the JSON path instead of being guessed at.
/// </summary>
internal static class RegexTranslator
{
    public static Regex Compile(string pattern, string path)
    {
        try
        {
            return new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            throw new TokenizerFormatException($"{path} regex '{pattern}' is not supported: {e.Message}", e);
        }
    }
}
