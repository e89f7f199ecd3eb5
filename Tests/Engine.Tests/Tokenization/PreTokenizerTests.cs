using System.Text.Json;
using System.Text.RegularExpressions;
using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Tests.Tokenization;

public sealed class PreTokenizerTests
{
    private const string Gpt4Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    [Fact]
    public void Split_Gpt4PatternWithContractionsAndSpaces_MatchesRegexSemantics()
    {
        var pieces = Run(SplitJson(Gpt4Pattern), "I'M here  now\n\n  12345 x");
        Assert.Equal(["I", "'M", " here", " ", " now", "\n\n", " ", " ", "123", "45", " x"], pieces);
    }

    [Fact]
    public void Split_Gpt2Pattern_KeepsLeadingSpaceOnWordsAndNumbers()
    {
        var pieces = Run(SplitJson(Gpt2Pattern), "Hello  world 42!? x's");
        Assert.Equal(["Hello", " ", " world", " 42", "!?", " x", "'s"], pieces);
    }

    [Fact]
    public void Split_AstralLetter_IsPartOfTheWordLikeRust()
    {
        // .NET's regex sees U+2070E as two surrogates; the scanner sees one letter, as Rust does.
        Assert.Equal(["a\U0002070Eb", " \U0001D400x"], Run(SplitJson(Gpt4Pattern), "a\U0002070Eb \U0001D400x"));
    }

    [Theory]
    [InlineData(Gpt4Pattern)]
    [InlineData(Gpt2Pattern)]
    public void Split_KnownPatternOnRandomBmpText_MatchesDotNetRegex(string pattern)
    {
        // On BMP text the .NET regex is a faithful oracle for the hand-written scanner.
        var regex = new Regex(pattern);
        var random = new Random(1234);
        const string alphabet = "aZé ß\t\n\r'sStTdDmlLvVeR09٣²½.,!?-_😀日本\u00A0\u3000\u2028x";
        var tokenizer = Parse(SplitJson(pattern));
        for (var round = 0; round < 2000; round++)
        {
            var text = new string([.. Enumerable.Range(0, random.Next(1, 24)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            if (text.Any(char.IsSurrogate))
                continue;
            var expected = regex.Matches(text).Select(m => m.Value).ToArray();
            Assert.Equal(expected, Run(tokenizer, text));
        }
    }

    [Theory]
    [InlineData("Removed", new[] { "a", "b", "c" })]
    [InlineData("Isolated", new[] { "a", "-", "b", "-", "-", "c" })]
    [InlineData("MergedWithPrevious", new[] { "a-", "b-", "-", "c" })]
    [InlineData("MergedWithNext", new[] { "a", "-b", "-", "-c" })]
    [InlineData("Contiguous", new[] { "a", "-", "b", "--", "c" })]
    public void Split_LiteralWithBehavior_FollowsHuggingFace(string behavior, string[] expected)
    {
        var json = $$"""{"type": "Split", "pattern": {"String": "-"}, "behavior": "{{behavior}}", "invert": false}""";
        Assert.Equal(expected, Run(json, "a-b--c"));
    }

    [Fact]
    public void Split_InvertedRegex_SplitsAroundMatches()
    {
        var json = """{"type": "Split", "pattern": {"Regex": "\\d+"}, "behavior": "Removed", "invert": true}""";
        Assert.Equal(["12", "345"], Run(json, "ab12cd345"));
    }

    [Fact]
    public void ByteLevel_UseRegexAndPrefixSpace_SplitsGpt2StyleWithLeadingSpace()
    {
        Assert.Equal([" Hello", " world"], Run("""{"type": "ByteLevel", "add_prefix_space": true, "use_regex": true}""", "Hello world"));
        Assert.Equal(["Hello world"], Run("""{"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}""", "Hello world"));
    }

    [Fact]
    public void Metaspace_AlwaysWithSplit_ReplacesSpacesAndSplitsBeforeEach()
    {
        var json = """{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true}""";
        Assert.Equal(["▁Hello", "▁", "▁world"], Run(json, "Hello  world"));
    }

    [Fact]
    public void Metaspace_FirstSchemeWithoutSplit_PrependsOnlyAtInputStart()
    {
        var json = """{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false}""";
        var metaspace = Parse(json);
        Assert.Equal(["▁a▁b"], Run(metaspace, "a b"));
        var pieces = new List<Piece> { new("x a b", 2, 3, AtInputStart: false) };
        var output = new List<Piece>();
        metaspace[0].Split(pieces, output);
        Assert.Equal(["a▁b"], output.Select(p => p.Span.ToString()));
    }

    [Fact]
    public void Metaspace_LegacyAddPrefixSpaceFalse_NeverPrepends()
    {
        Assert.Equal(["a", "▁b"], Run("""{"type": "Metaspace", "replacement": "▁", "add_prefix_space": false}""", "a b"));
    }

    [Fact]
    public void Metaspace_AddPrefixSpaceFalseWithOtherScheme_IsRejected()
    {
        var error = Assert.Throws<TokenizerFormatException>(() => Parse("""{"type": "Metaspace", "prepend_scheme": "always", "add_prefix_space": false}"""));
        Assert.Equal("pre_tokenizer.add_prefix_space false contradicts prepend_scheme 'always'", error.Message);
    }

    [Fact]
    public void Digits_IndividualAndGrouped_SplitNumbers()
    {
        Assert.Equal(["ab", "1", "2", "3", "c", "4"], Run("""{"type": "Digits", "individual_digits": true}""", "ab123c4"));
        Assert.Equal(["ab", "123", "c", "4"], Run("""{"type": "Digits", "individual_digits": false}""", "ab123c4"));
    }

    [Fact]
    public void Sequence_SplitThenDigits_AppliesBothInOrder()
    {
        var json = """
            {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"String": " "}, "behavior": "Removed", "invert": false},
                {"type": "Digits", "individual_digits": true}]}
            """;
        Assert.Equal(["x", "1", "2", "y"], Run(json, "x12 y"));
    }

    [Fact]
    public void FromJson_StepAfterByteLevel_IsRejected()
    {
        var json = """{"type": "Sequence", "pretokenizers": [{"type": "ByteLevel"}, {"type": "Digits"}]}""";
        var error = Assert.Throws<TokenizerFormatException>(() => Parse(json));
        Assert.Contains("pre_tokenizer.pretokenizers[1].type 'Digits'", error.Message);
    }

    private static string SplitJson(string pattern) =>
        JsonSerializer.Serialize(new { type = "Split", pattern = new { Regex = pattern }, behavior = "Isolated", invert = false });

    private static PreTokenizer[] Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return PreTokenizer.FromJson(document.RootElement, "pre_tokenizer", out _);
    }

    private static string[] Run(string json, string text) => Run(Parse(json), text);

    private static string[] Run(PreTokenizer[] steps, string text)
    {
        var pieces = new List<Piece> { new(text, 0, text.Length, AtInputStart: true) };
        foreach (var step in steps)
        {
            var next = new List<Piece>();
            step.Split(pieces, next);
            pieces = next;
        }
        return [.. pieces.Select(p => p.Span.ToString())];
    }
}
