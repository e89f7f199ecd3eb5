using System.Text;

namespace DynamoOrleans.Engine.Tokenization;

/// <summary>
/// A hand-written matcher for the two regexes nearly every byte-level BPE uses: GPT-2's and the
/// GPT-4 style one of Llama 3 and Qwen (<c>\p{N}</c> or <c>\p{N}{1,3}</c>). It classifies whole
/// code points, so letters outside the BMP (CJK extension B, math letters) count as letters as
/// they do in Rust, where .NET's UTF-16 regex would see two surrogates; it is also several times
/// faster than the regex. Every position matches, so the matches tile the text.
/// </summary>
internal sealed class WordPatternScanner
{
    private const string Gpt4Head = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}";
    private const string Gpt4Tail = @"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private const byte Letter = 1;
    private const byte Number = 2;
    private const byte Space = 3;
    private const byte Other = 4;

    // Class of every BMP code unit (surrogates excepted): one table lookup per character on the hot path.
    private static readonly byte[] BmpClass = BuildBmpClasses();

    private readonly bool _gpt2;
    private readonly int _maxDigits;

    private WordPatternScanner(bool gpt2, int maxDigits)
    {
        _gpt2 = gpt2;
        _maxDigits = maxDigits;
    }

    /// <summary>The GPT-2 pattern that ByteLevel uses when <c>use_regex</c> is true.</summary>
    public static WordPatternScanner Gpt2 { get; } = new(gpt2: true, int.MaxValue);

    /// <summary>A scanner for <paramref name="pattern"/>, or null when it is not one of the known patterns.</summary>
    public static WordPatternScanner? TryCreate(string pattern) => pattern switch
    {
        Gpt4Head + Gpt4Tail => new WordPatternScanner(gpt2: false, 1),
        Gpt4Head + "{1,3}" + Gpt4Tail => new WordPatternScanner(gpt2: false, 3),
        Gpt2Pattern => Gpt2,
        _ => null,
    };

    /// <summary>Length in chars of the match that starts at <paramref name="i"/> (always at least 1).</summary>
    public int MatchLength(ReadOnlySpan<char> s, int i)
    {
        var (cls, width) = Classify(s, i);
        if (s[i] == '\'')
        {
            var contraction = ContractionLength(s, i + 1, ignoreCase: !_gpt2);
            if (contraction > 0)
                return 1 + contraction;
        }
        return _gpt2 ? MatchGpt2(s, i, cls) : MatchGpt4(s, i, cls, width);
    }

    private int MatchGpt4(ReadOnlySpan<char> s, int i, byte cls, int width)
    {
        var c = s[i];
        if (cls == Letter)
            return Run(s, i, Letter, int.MaxValue) - i;
        if (cls != Number && c != '\r' && c != '\n' && i + width < s.Length && Classify(s, i + width).Class == Letter)
            return Run(s, i + width, Letter, int.MaxValue) - i;
        if (cls == Number)
            return Run(s, i, Number, _maxDigits) - i;
        var j = c == ' ' ? i + 1 : i;
        if (j < s.Length && Classify(s, j).Class == Other)
        {
            var end = Run(s, j, Other, int.MaxValue);
            while (end < s.Length && s[end] is '\r' or '\n')
                end++;
            return end - i;
        }
        return MatchSpaces(s, i, newlines: true);
    }

    private static int MatchGpt2(ReadOnlySpan<char> s, int i, byte cls)
    {
        var j = s[i] == ' ' ? i + 1 : i;
        if (j < s.Length)
        {
            var next = j == i ? cls : Classify(s, j).Class;
            if (next != Space)
                return Run(s, j, next, int.MaxValue) - i;
        }
        return MatchSpaces(s, i, newlines: false);
    }

    /// <summary><c>\s*[\r\n]+</c> (GPT-4 style only), then <c>\s+(?!\S)</c>, then <c>\s+</c>.</summary>
    private static int MatchSpaces(ReadOnlySpan<char> s, int i, bool newlines)
    {
        var end = Run(s, i, Space, int.MaxValue);
        if (newlines)
        {
            for (var k = end - 1; k >= i; k--)
            {
                if (s[k] is '\r' or '\n')
                    return k + 1 - i;
            }
        }
        if (end == s.Length || end - 1 == i)
            return end - i;
        return end - 1 - i;
    }

    private static int ContractionLength(ReadOnlySpan<char> s, int p, bool ignoreCase)
    {
        if (p >= s.Length)
            return 0;
        var a = ignoreCase ? char.ToLowerInvariant(s[p]) : s[p];
        if (a is 's' or 't' or 'm' or 'd')
            return 1;
        if (p + 1 >= s.Length)
            return 0;
        var b = ignoreCase ? char.ToLowerInvariant(s[p + 1]) : s[p + 1];
        return (a, b) is ('r', 'e') or ('v', 'e') or ('l', 'l') ? 2 : 0;
    }

    /// <summary>End of the run of code points of class <paramref name="cls"/> from <paramref name="i"/>, at most <paramref name="max"/> of them.</summary>
    private static int Run(ReadOnlySpan<char> s, int i, byte cls, int max)
    {
        var table = BmpClass;
        var count = 0;
        while (i < s.Length && count < max)
        {
            var c = s[i];
            if (char.IsSurrogate(c))
            {
                var (astral, width) = Classify(s, i);
                if (astral != cls)
                    break;
                i += width;
            }
            else
            {
                if (table[c] != cls)
                    break;
                i++;
            }
            count++;
        }
        return i;
    }

    private static (byte Class, int Width) Classify(ReadOnlySpan<char> s, int i)
    {
        var c = s[i];
        if (!char.IsSurrogate(c))
            return (BmpClass[c], 1);
        if (Rune.DecodeFromUtf16(s[i..], out var rune, out var width) != System.Buffers.OperationStatus.Done)
            return (Other, 1);
        return (ClassOf(rune), width);
    }

    private static byte ClassOf(Rune rune) =>
        Rune.IsLetter(rune) ? Letter
        : Rune.IsNumber(rune) ? Number
        : Rune.IsWhiteSpace(rune) ? Space
        : Other;

    private static byte[] BuildBmpClasses()
    {
        var table = new byte[0x10000];
        for (var c = 0; c < table.Length; c++)
            table[c] = char.IsSurrogate((char)c) ? Other : ClassOf(new Rune(c));
        return table;
    }
}
