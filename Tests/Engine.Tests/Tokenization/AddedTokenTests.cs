using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Tests.Tokenization;

/// <summary>Added tokens: matched before pre-tokenization, longest first, with lstrip/rstrip/single_word/normalized.</summary>
public sealed class AddedTokenTests
{
    private const int Tag = 100;
    private const int LongTag = 101;

    // Letters and space are single-character tokens (ids 0-25 and 26), so ids spell the text.
    private static string Spell(Tokenizer tokenizer, string text) =>
        string.Join("|", tokenizer.Encode(text).Select(id => tokenizer.IdToToken(id)));

    [Fact]
    public void Encode_AddedTokenInsideWord_IsMatchedBeforePreTokenization()
    {
        var tokenizer = new TinyTokenizer(TinyTokenizer.Letters).WithAdded(Tag, "<x>").Build();
        Assert.Equal("a|<x>|b", Spell(tokenizer, "a<x>b"));
        Assert.Equal(101, tokenizer.VocabSize);
    }

    [Fact]
    public void Encode_OverlappingAddedTokens_LongestMatchWins()
    {
        var tokenizer = new TinyTokenizer(TinyTokenizer.Letters).WithAdded(Tag, "<x>").WithAdded(LongTag, "<x>y").Build();
        Assert.Equal("a|<x>y|<x>", Spell(tokenizer, "a<x>y<x>"));
    }

    [Fact]
    public void Encode_LStripAndRStrip_SwallowNeighbouringWhitespace()
    {
        var lstrip = new TinyTokenizer(TinyTokenizer.Letters).WithAdded(Tag, "<x>", lstrip: true).Build();
        Assert.Equal("a|<x>| |b", Spell(lstrip, "a  <x> b"));
        var rstrip = new TinyTokenizer(TinyTokenizer.Letters).WithAdded(Tag, "<x>", rstrip: true).Build();
        Assert.Equal("a| |<x>|b", Spell(rstrip, "a <x>  b"));
    }

    [Fact]
    public void Encode_SingleWord_MatchesOnlyWithoutWordCharactersAround()
    {
        var tokenizer = new TinyTokenizer(TinyTokenizer.Letters).WithAdded(Tag, "ab", singleWord: true).Build();
        Assert.Equal("ab| |c", Spell(tokenizer, "ab c"));
        Assert.Equal("c|a|b", Spell(tokenizer, "cab"));
        Assert.Equal("a|b|c", Spell(tokenizer, "abc"));
        Assert.Equal("é|a|b", Spell(new TinyTokenizer([.. TinyTokenizer.Letters, "é"]).WithAdded(Tag, "ab", singleWord: true).Build(), "éab"));
        Assert.Equal("_|a|b", Spell(new TinyTokenizer([.. TinyTokenizer.Letters, "_"]).WithAdded(Tag, "ab", singleWord: true).Build(), "_ab"));
    }

    [Fact]
    public void Encode_SingleWordRejected_SearchResumesAfterTheRejectedMatch()
    {
        // Hugging Face's Aho-Corasick iteration does not look inside a rejected match again.
        var tokenizer = new TinyTokenizer(TinyTokenizer.Letters).WithAdded(Tag, "ab", singleWord: true).WithAdded(LongTag, "b").Build();
        Assert.Equal([2, 0, 1], tokenizer.Encode("cab"));
        Assert.Equal([LongTag], tokenizer.Encode("b"));
    }

    [Fact]
    public void Encode_NormalizedToken_IsMatchedAfterNormalization()
    {
        var tokenizer = new TinyTokenizer(TinyTokenizer.Letters)
            .With("normalizer", """{"type": "Lowercase"}""")
            .WithAdded(Tag, "xy", special: false, normalized: true)
            .WithAdded(LongTag, "QQ", normalized: false)
            .Build();
        Assert.Equal("xy|QQ|q", Spell(tokenizer, "XYQQQ"));
    }

    [Fact]
    public void Encode_NonNormalizedToken_IsMatchedOnRawText()
    {
        var tokenizer = new TinyTokenizer(TinyTokenizer.Letters)
            .With("normalizer", """{"type": "Lowercase"}""")
            .WithAdded(Tag, "AB", normalized: false)
            .Build();
        Assert.Equal("AB|a|b", Spell(tokenizer, "ABab"));
    }

    [Fact]
    public void Decode_SkipSpecialTokens_DropsOnlySpecialAddedTokens()
    {
        var tokenizer = new TinyTokenizer(TinyTokenizer.Letters)
            .With("decoder", """{"type": "Fuse"}""")
            .WithAdded(Tag, "<s>")
            .WithAdded(LongTag, "<t>", special: false)
            .Build();
        int[] ids = [Tag, 0, LongTag, 1];
        Assert.Equal("<s>a<t>b", tokenizer.Decode(ids));
        Assert.Equal("a<t>b", tokenizer.Decode(ids, skipSpecialTokens: true));
        Assert.True(tokenizer.IsSpecial(Tag));
        Assert.False(tokenizer.IsSpecial(LongTag));
    }
}
