using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Tests.Tokenization;

public sealed class BpeModelTests
{
    private static string Spell(Tokenizer tokenizer, string text) =>
        string.Join("|", tokenizer.Encode(text).Select(id => tokenizer.IdToToken(id)));

    [Fact]
    public void Encode_Merges_ApplyLowestRankFirst()
    {
        // "b c" outranks "a b", so "abc" becomes a|bc and not ab|c.
        var tokenizer = new TinyTokenizer(["a", "b", "c", "ab", "bc"], "b c", "a b").Build();
        Assert.Equal("a|bc", Spell(tokenizer, "abc"));
        var reversed = new TinyTokenizer(["a", "b", "c", "ab", "bc"], "a b", "b c").Build();
        Assert.Equal("ab|c", Spell(reversed, "abc"));
    }

    [Fact]
    public void Encode_MergesInArrayForm_SameAsStringForm()
    {
        var tokenizer = new TinyTokenizer(["a", "b", "ab", "abab"])
            .WithModel("merges", JsonNode.Parse("""[["a", "b"], ["ab", "ab"]]"""))
            .Build();
        Assert.Equal("abab|ab", Spell(tokenizer, "ababab"));
    }

    [Fact]
    public void Encode_LongRepetitiveWord_MergesLeftToRightOnEqualRank()
    {
        var tokenizer = new TinyTokenizer(["a", "aa"], "a a").Build();
        Assert.Equal("aa|aa|a", Spell(tokenizer, "aaaaa"));
    }

    [Fact]
    public void Encode_UnknownCharactersWithFuseUnk_BecomeOneUnk()
    {
        var fused = new TinyTokenizer(["<unk>", "a"]).WithModel("unk_token", "<unk>").WithModel("fuse_unk", true).Build();
        Assert.Equal("a|<unk>|a", Spell(fused, "axyza"));
        var separate = new TinyTokenizer(["<unk>", "a"]).WithModel("unk_token", "<unk>").WithModel("fuse_unk", false).Build();
        Assert.Equal("a|<unk>|<unk>|<unk>|a", Spell(separate, "axyza"));
    }

    [Fact]
    public void Encode_UnknownCharacterWithoutUnkToken_IsDroppedLikeHuggingFace()
    {
        var tokenizer = new TinyTokenizer(["a"]).Build();
        Assert.Equal("a|a", Spell(tokenizer, "axa"));
    }

    [Fact]
    public void Encode_ByteFallback_SpellsUnknownCharacterAsUtf8ByteTokens()
    {
        var tokens = new List<string> { "<unk>", "a" };
        tokens.AddRange(Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>"));
        var tokenizer = new TinyTokenizer(tokens).WithModel("unk_token", "<unk>").WithModel("byte_fallback", true).Build();
        Assert.Equal("a|<0xC3>|<0xA9>|<0xF0>|<0x9F>|<0x98>|<0x80>", Spell(tokenizer, "aé😀"));
    }

    [Fact]
    public void Encode_IgnoreMerges_TakesWholeWordFromVocabulary()
    {
        // The merges alone cannot build "abc" (no "ab c" merge), but the vocabulary has it.
        var tokens = new[] { "a", "b", "c", "ab", "abc" };
        Assert.Equal("ab|c", Spell(new TinyTokenizer(tokens, "a b").Build(), "abc"));
        Assert.Equal("abc", Spell(new TinyTokenizer(tokens, "a b").WithModel("ignore_merges", true).Build(), "abc"));
    }

    [Fact]
    public void Encode_SameWordTwice_UsesCacheAndGivesSameIds()
    {
        var tokenizer = new TinyTokenizer(["a", "b", "ab", " "], "a b")
            .With("pre_tokenizer", """{"type": "Split", "pattern": {"String": " "}, "behavior": "Isolated", "invert": false}""")
            .Build();
        Assert.Equal([2, 3, 2, 3, 2], tokenizer.Encode("ab ab ab"));
    }

    [Fact]
    public void Encode_VocabularyWithWordFollowedByMetaspace_IsNotCutBeforeMetaspace()
    {
        // "a▁" is a token, so the cut before ▁ that speeds up SentencePiece vocabularies must not happen.
        var joined = new TinyTokenizer(["a", "▁", "b", "a▁", "a▁b"], "a ▁", "a▁ b").Build();
        Assert.Equal("a▁b|a▁b", Spell(joined, "a▁ba▁b"));
        var separate = new TinyTokenizer(["a", "▁", "b", "▁b", "▁▁"], "▁ b", "▁ ▁").Build();
        Assert.Equal("a|▁▁|▁b|a|▁b", Spell(separate, "a▁▁▁ba▁b"));
    }

    [Fact]
    public void Encode_FromManyThreads_GivesTheSameIds()
    {
        var tokenizer = TokenizerCases.Qwen3;
        var texts = TokenizerCases.Qwen3Cases;
        Parallel.For(0, 400, i =>
        {
            var testCase = texts[i % texts.Count];
            Assert.Equal(testCase.Ids, tokenizer.Encode(testCase.Text));
        });
    }
}
