using System.Text.Json;
using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Tests.Tokenization;

public sealed class NormalizerTests
{
    // Inputs and expected forms from Python's unicodedata (Unicode 14, the version of the tables).
    private static readonly string[] Inputs =
    [
        "e\u0301", "a\u0302\u0323", "\uFB01 \uFF26\uFF55\u2460 \u00BD", "\uD55C\uAE00", "\u1112\u1161\u11AB",
        "A\u030A\u0301", "\u212B", "x\U0001D400\u0345\u0301", "q\u0307\u0323", "\u0F73", "\u01C5",
    ];

    public static TheoryData<string, string[]> Forms => new()
    {
        { "NFC", ["\u00E9", "\u1EAD", "\uFB01 \uFF26\uFF55\u2460 \u00BD", "\uD55C\uAE00", "\uD55C", "\u01FA", "\u00C5", "x\U0001D400\u0301\u0345", "q\u0323\u0307", "\u0F71\u0F72", "\u01C5"] },
        { "NFD", ["e\u0301", "a\u0323\u0302", "\uFB01 \uFF26\uFF55\u2460 \u00BD", "\u1112\u1161\u11AB\u1100\u1173\u11AF", "\u1112\u1161\u11AB", "A\u030A\u0301", "A\u030A", "x\U0001D400\u0301\u0345", "q\u0323\u0307", "\u0F71\u0F72", "\u01C5"] },
        { "NFKC", ["\u00E9", "\u1EAD", "fi Fu1 1\u20442", "\uD55C\uAE00", "\uD55C", "\u01FA", "\u00C5", "x\u00C1\u0345", "q\u0323\u0307", "\u0F71\u0F72", "D\u017E"] },
        { "NFKD", ["e\u0301", "a\u0323\u0302", "fi Fu1 1\u20442", "\u1112\u1161\u11AB\u1100\u1173\u11AF", "\u1112\u1161\u11AB", "A\u030A\u0301", "A\u030A", "xA\u0301\u0345", "q\u0323\u0307", "\u0F71\u0F72", "Dz\u030C"] },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void Normalize_UnicodeForm_MatchesPythonUnicodedata(string form, string[] expected)
    {
        var normalizer = Parse($$"""{"type": "{{form}}"}""")!;
        for (var i = 0; i < Inputs.Length; i++)
            Assert.Equal(expected[i], normalizer.Normalize(Inputs[i]));
    }

    [Theory]
    [InlineData("abc e\u0301 xyz \uAC00\u11A8 ok", "abc \u00E9 xyz \uAC01 ok", "abc \u00E9 xyz \uAC01 ok")]
    [InlineData("caf\u00E9 \u212B\u0301 q\u0307\u0323 \uFB01n", "caf\u00E9 \u01FA q\u0323\u0307 \uFB01n", "caf\u00E9 \u01FA q\u0323\u0307 fin")]
    [InlineData("\U0001D400\u0301 done \u0300start", "\U0001D400\u0301 done \u0300start", "\u00C1 done \u0300start")]
    public void Normalize_UnstableStretchesInsideStableText_OnlyThoseChange(string input, string nfc, string nfkc)
    {
        Assert.Equal(nfc, Parse("""{"type": "NFC"}""")!.Normalize(input));
        Assert.Equal(nfkc, Parse("""{"type": "NFKC"}""")!.Normalize(input));
    }

    [Fact]
    public void Normalize_NfcOnAlreadyNormalText_ReturnsSameInstance()
    {
        var text = "plain ASCII and café, 日本語, 한국어, で, ≠, 👍🏽";
        Assert.Same(text, Parse("""{"type": "NFC"}""")!.Normalize(text));
    }

    [Fact]
    public void Normalize_Lowercase_LowersAllScripts()
    {
        Assert.Equal("hello ǆ straße πσ", Parse("""{"type": "Lowercase"}""")!.Normalize("HeLLo Ǆ STRAßE ΠΣ"));
    }

    [Fact]
    public void Normalize_ReplaceString_ReplacesEveryOccurrence()
    {
        var normalizer = Parse("""{"type": "Replace", "pattern": {"String": " "}, "content": "▁"}""")!;
        Assert.Equal("a▁b▁▁c", normalizer.Normalize("a b  c"));
    }

    [Fact]
    public void Normalize_ReplaceRegex_ReplacesMatches()
    {
        var normalizer = Parse("""{"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}""")!;
        Assert.Equal("a b c", normalizer.Normalize("a    b  c"));
    }

    [Fact]
    public void Normalize_PrependOnEmptyText_LeavesItEmpty()
    {
        var normalizer = Parse("""{"type": "Prepend", "prepend": "▁"}""")!;
        Assert.Equal("▁hi", normalizer.Normalize("hi"));
        Assert.Equal("", normalizer.Normalize(""));
    }

    [Fact]
    public void Normalize_Sequence_AppliesInOrder()
    {
        var normalizer = Parse("""
            {"type": "Sequence", "normalizers": [
                {"type": "NFKC"}, {"type": "Lowercase"},
                {"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]}
            """)!;
        Assert.Equal("▁fine▁fine", normalizer.Normalize("ＦＩne Fine"));
    }

    [Fact]
    public void Normalize_Strip_TrimsWhitespace()
    {
        Assert.Equal("a b", Parse("""{"type": "Strip", "strip_left": true, "strip_right": true}""")!.Normalize("  a b \n"));
    }

    [Fact]
    public void FromJson_Null_ReturnsNull()
    {
        Assert.Null(Parse("null"));
    }

    private static Normalizer? Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Normalizer.FromJson(document.RootElement, "normalizer");
    }
}
