using System.Buffers;
using System.Globalization;
using System.Text;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// Finds added tokens in text, leftmost-longest like Hugging Face's Aho-Corasick matcher, and
/// applies single_word, lstrip and rstrip. A handful of tokens sharing a few first characters
/// makes a first-character jump plus ordinal compares faster than an automaton here.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<char, (string Text, AddedToken Token)[]> _byFirstChar;
    private readonly SearchValues<char> _firstChars;

    /// <param name="tokens">Tokens with the text to look for (normalized content for normalized tokens).</param>
    public AddedTokenMatcher(IEnumerable<(string Text, AddedToken Token)> tokens)
    {
        _byFirstChar = tokens
            .Where(t => t.Text.Length > 0)
            .GroupBy(t => t.Text[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Text.Length).ToArray());
        _firstChars = SearchValues.Create([.. _byFirstChar.Keys]);
        IsEmpty = _byFirstChar.Count == 0;
    }

    public bool IsEmpty { get; }

    /// <summary>
    /// Cuts <paramref name="text"/> into segments covering it: an added token's id, or -1 for text
    /// between tokens. Nothing is added for empty text.
    /// </summary>
    public void Split(ReadOnlySpan<char> text, List<(int Start, int End, int Id)> output)
    {
        var done = 0;
        var from = 0;
        while (from < text.Length)
        {
            var hit = text[from..].IndexOfAny(_firstChars);
            if (hit < 0)
                break;
            var start = from + hit;
            var (length, token) = LongestAt(text, start);
            if (token is null)
            {
                from = start + 1;
                continue;
            }
            var stop = start + length;
            if (token.SingleWord && (EndsWithWord(text[..start]) || StartsWithWord(text[stop..])))
            {
                // Like Aho-Corasick's non-overlapping iteration, the search resumes after the match.
                from = stop;
                continue;
            }
            if (token.LStrip)
            {
                while (start > done && char.IsWhiteSpace(text[start - 1]))
                    start--;
            }
            if (token.RStrip)
            {
                while (stop < text.Length && char.IsWhiteSpace(text[stop]))
                    stop++;
            }
            if (start > done)
                output.Add((done, start, -1));
            output.Add((start, stop, token.Id));
            done = from = stop;
        }
        if (done < text.Length)
            output.Add((done, text.Length, -1));
    }

    private (int Length, AddedToken? Token) LongestAt(ReadOnlySpan<char> text, int start)
    {
        if (!_byFirstChar.TryGetValue(text[start], out var candidates))
            return (0, null);
        foreach (var (content, token) in candidates)
        {
            if (text[start..].StartsWith(content, StringComparison.Ordinal))
                return (content.Length, token);
        }
        return (0, null);
    }

    private static bool EndsWithWord(ReadOnlySpan<char> text) =>
        Rune.DecodeLastFromUtf16(text, out var rune, out _) == OperationStatus.Done && IsWordChar(rune);

    private static bool StartsWithWord(ReadOnlySpan<char> text) =>
        Rune.DecodeFromUtf16(text, out var rune, out _) == OperationStatus.Done && IsWordChar(rune);

    // Rust regex's Unicode \w: alphabetic, marks, decimal digits, connector punctuation, joiners.
    private static bool IsWordChar(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.LetterNumber
            or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation => true,
        _ => rune.Value is 0x200C or 0x200D,
    };
}
