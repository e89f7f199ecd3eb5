using System.Text;
using System.Text.Json;
using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Tests.Tokenization;

public sealed class DecoderTests
{
    [Fact]
    public void ByteLevel_AlphabetTokens_DecodeToUtf8Text()
    {
        // "Ġ" is the space byte, "ä½ł" the three bytes of "你".
        Assert.Equal(" hi你<think>", Decode("""{"type": "ByteLevel"}""", "Ġhi", "ä½", "ł", "<think>"));
    }

    [Fact]
    public void ByteLevel_TokenOutsideAlphabet_IsTakenAsItsUtf8()
    {
        Assert.Equal("日本 x", Decode("""{"type": "ByteLevel"}""", "日本", "Ġx"));
    }

    [Fact]
    public void ByteLevel_IncompleteCharacter_BecomesReplacementCharacter()
    {
        Assert.Equal("a\uFFFD", Decode("""{"type": "ByteLevel"}""", "a", "ä½"));
    }

    [Fact]
    public void Metaspace_FirstToken_DropsReplacementAndLaterOnesBecomeSpaces()
    {
        var json = """{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always"}""";
        Assert.Equal("Hello world", Decode(json, "▁Hello", "▁world"));
        Assert.Equal(" Hello world", Decode("""{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never"}""", "▁Hello", "▁world"));
    }

    [Fact]
    public void ByteFallback_ValidAndInvalidBytes_DecodeOrReplacePerByte()
    {
        Assert.Equal("a你b", Decode("""{"type": "ByteFallback"}""", "a", "<0xE4>", "<0xBD>", "<0xA0>", "b"));
        Assert.Equal("a\uFFFD\uFFFDb", Decode("""{"type": "ByteFallback"}""", "a", "<0xE4>", "<0xBD>", "b"));
    }

    [Fact]
    public void Fuse_JoinsTokens_AndStripRemovesLeadingContent()
    {
        var json = """{"type": "Sequence", "decoders": [{"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 1}]}""";
        Assert.Equal(" a b", Decode(json, "  a", " b "));
    }

    [Fact]
    public void Strip_WithoutFuse_StripsEveryToken()
    {
        Assert.Equal("ab", Decode("""{"type": "Strip", "content": " ", "start": 1, "stop": 0}""", " a", " b"));
    }

    [Fact]
    public void Replace_StringPattern_ReplacesInEachToken()
    {
        Assert.Equal(" a b", Decode("""{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}""", "▁a", "▁b"));
    }

    [Fact]
    public void Sequence_SentencePieceChain_DecodesLikeLlama()
    {
        var json = """
            {"type": "Sequence", "decoders": [
                {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
                {"type": "ByteFallback"}, {"type": "Fuse"},
                {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
            """;
        Assert.Equal("Hi 你!", Decode(json, "▁Hi", "▁", "<0xE4>", "<0xBD>", "<0xA0>", "!"));
    }

    [Fact]
    public void DecodeToken_ByteLevelPartialCharacter_KeepsRawBytes()
    {
        var decoder = Parse("""{"type": "ByteLevel"}""")!;
        var parts = new List<TokenPart> { new("ä½", 0) };
        var fused = false;
        decoder.DecodeToken(parts, first: false, ref fused);
        Assert.Equal([0xE4, 0xBD], parts.Select(p => p.Byte));
        Assert.All(parts, p => Assert.Null(p.Text));
    }

    [Fact]
    public void FromJson_UnsupportedType_NamesIt()
    {
        var error = Assert.Throws<TokenizerFormatException>(() => Parse("""{"type": "WordPiece", "prefix": "##"}"""));
        Assert.Equal("decoder.type 'WordPiece' is not supported", error.Message);
    }

    private static string Decode(string json, params string[] tokens)
    {
        var list = tokens.ToList();
        Parse(json)!.Decode(list);
        return new StringBuilder().AppendJoin("", list).ToString();
    }

    private static TokenDecoder? Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return TokenDecoder.FromJson(document.RootElement, "decoder");
    }
}
