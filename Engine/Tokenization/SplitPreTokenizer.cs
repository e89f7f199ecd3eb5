using System.Text.Json;
using System.Text.RegularExpressions;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// Split: cuts pieces where a pattern (a literal string or a regex) matches. The well-known word
/// regexes go through <see cref="WordPatternScanner"/>; any other regex through .NET's engine.
/// </summary>
internal sealed class SplitPreTokenizer : PreTokenizer
{
    [ThreadStatic]
    private static List<(int Start, int End, bool IsMatch)>? t_segments;

    [ThreadStatic]
    private static List<(int Start, int End)>? t_ranges;

    private readonly WordPatternScanner? _scanner;
    private readonly Regex? _regex;
    private readonly string? _literal;
    private readonly SplitBehavior _behavior;
    private readonly bool _invert;

    private SplitPreTokenizer(WordPatternScanner? scanner, Regex? regex, string? literal, SplitBehavior behavior, bool invert)
    {
        _scanner = scanner;
        _regex = regex;
        _literal = literal;
        _behavior = behavior;
        _invert = invert;
    }

    public static SplitPreTokenizer FromJson(JsonElement element, string path)
    {
        var (pattern, isRegex) = JsonConfig.Pattern(element, path);
        var behavior = SplitBehaviors.Parse(JsonConfig.OptionalString(element, "behavior", path), path);
        var invert = JsonConfig.OptionalBool(element, "invert", path, false);
        if (!isRegex)
        {
            return pattern.Length > 0
                ? new SplitPreTokenizer(null, null, pattern, behavior, invert)
                : throw new TokenizerFormatException($"{path}.pattern must not be empty");
        }
        var scanner = WordPatternScanner.TryCreate(pattern);
        var regex = scanner is null ? RegexTranslator.Compile(pattern, path + ".pattern") : null;
        return new SplitPreTokenizer(scanner, regex, null, behavior, invert);
    }

    /// <summary>A GPT-2 regex split, as ByteLevel's <c>use_regex</c> does.</summary>
    public static SplitPreTokenizer Gpt2Words() => new(WordPatternScanner.Gpt2, null, null, SplitBehavior.Isolated, false);

    public override void Split(List<Piece> input, List<Piece> output)
    {
        foreach (var piece in input)
        {
            if (_scanner is not null && _behavior == SplitBehavior.Isolated && !_invert)
                ScanIsolated(piece, output);
            else
                SplitGeneral(piece, output);
        }
    }

    // The hot path of byte-level tokenizers: every match is a piece, with no intermediate lists.
    private void ScanIsolated(in Piece piece, List<Piece> output)
    {
        var span = piece.Span;
        var i = 0;
        while (i < span.Length)
        {
            var length = _scanner!.MatchLength(span, i);
            output.Add(new Piece(piece.Text, piece.Start + i, length, piece.AtInputStart && i == 0));
            i += length;
        }
    }

    private void SplitGeneral(in Piece piece, List<Piece> output)
    {
        var segments = t_segments ??= [];
        var ranges = t_ranges ??= [];
        segments.Clear();
        var span = piece.Span;
        var previous = 0;
        foreach (var (start, length) in Matches(span))
        {
            if (length == 0)
                continue;
            if (start > previous)
                segments.Add((previous, start, _invert));
            segments.Add((start, start + length, !_invert));
            previous = start + length;
        }
        if (previous < span.Length)
            segments.Add((previous, span.Length, _invert));
        SplitBehaviors.Apply(_behavior, piece, segments, ranges, output);
    }

    private List<(int Start, int Length)> Matches(ReadOnlySpan<char> span)
    {
        var matches = new List<(int Start, int Length)>();
        if (_scanner is not null)
        {
            for (var i = 0; i < span.Length;)
            {
                var length = _scanner.MatchLength(span, i);
                matches.Add((i, length));
                i += length;
            }
        }
        else if (_regex is not null)
        {
            foreach (var match in _regex.EnumerateMatches(span))
                matches.Add((match.Index, match.Length));
        }
        else
        {
            for (var i = span.IndexOf(_literal, StringComparison.Ordinal); i >= 0;)
            {
                matches.Add((i, _literal!.Length));
                var next = span[(i + _literal.Length)..].IndexOf(_literal, StringComparison.Ordinal);
                i = next < 0 ? -1 : i + _literal.Length + next;
            }
        }
        return matches;
    }
}
