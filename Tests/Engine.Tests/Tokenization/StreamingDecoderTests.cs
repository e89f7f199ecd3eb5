using System.Text;
using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Tests.Tokenization;

public sealed class StreamingDecoderTests
{
    private static Tokenizer Qwen3 => TokenizerCases.Qwen3;

    [Fact]
    public void Push_ByteLevelEmojiSplitAcrossTokens_EmitsOnceComplete()
    {
        // In the reference case, 👨 is split as id 61804 ("ĠðŁĳ") + 101 ("¨"): a space and three of four bytes, then the last.
        var stream = Qwen3.CreateStreamingDecoder();
        Assert.Equal(" ", stream.Push(61804));
        Assert.Equal("👨", stream.Push(101));
        Assert.Equal("", stream.Flush());
    }

    [Fact]
    public void Push_GreekAccentSplitAcrossTokens_NeverReturnsBrokenText()
    {
        // "Κόσμε" in the reference splits ό across ids 7851 and 248.
        var stream = Qwen3.CreateStreamingDecoder();
        var pieces = new[] { 7851, 248, 75195 }.Select(stream.Push).ToArray();
        Assert.All(pieces, p => Assert.DoesNotContain('\uFFFD', p));
        Assert.Equal(Qwen3.Decode([7851, 248, 75195]), string.Concat(pieces) + stream.Flush());
    }

    [Fact]
    public void Flush_TruncatedCharacter_ReturnsReplacementCharacter()
    {
        var stream = Qwen3.CreateStreamingDecoder();
        Assert.Equal("", stream.Push(Qwen3.TokenToId("ðŁ")!.Value)); // the first two bytes of a four-byte emoji
        Assert.Equal("\uFFFD", stream.Flush());
        Assert.Equal("hi", stream.Push(Qwen3.TokenToId("hi")!.Value));
    }

    [Fact]
    public void Push_SpecialTokenWhenSkipping_ReturnsEmpty()
    {
        var skipping = Qwen3.CreateStreamingDecoder();
        Assert.Equal("", skipping.Push(151645));
        var keeping = Qwen3.CreateStreamingDecoder(skipSpecialTokens: false);
        Assert.Equal("<|im_end|>", keeping.Push(151645));
    }

    [Fact]
    public void Push_EveryPrefixOfMixedText_MatchesDecodeOfThatPrefixWhenComplete()
    {
        const string text = "Mixed 日本語 text with émojis 🇫🇷👍🏽 and Κόσμε, code: x => x * 2;";
        var ids = Qwen3.Encode(text);
        var stream = Qwen3.CreateStreamingDecoder();
        var streamed = new StringBuilder();
        for (var i = 0; i < ids.Length; i++)
        {
            streamed.Append(stream.Push(ids[i]));
            var decoded = Qwen3.Decode(ids.AsSpan(0, i + 1));
            if (!decoded.Contains('\uFFFD'))
                Assert.Equal(decoded, streamed.ToString());
        }
        Assert.Equal(text, streamed.Append(stream.Flush()).ToString());
    }

    [Fact]
    public void Push_TokenizerWithoutDecoder_JoinsWithSpacesLikeDecode()
    {
        var tokenizer = new TinyTokenizer(TinyTokenizer.Letters).Build();
        int[] ids = [0, 1, 2];
        var stream = tokenizer.CreateStreamingDecoder();
        Assert.Equal(tokenizer.Decode(ids), string.Concat(ids.Select(stream.Push)) + stream.Flush());
        Assert.Equal("a b c", tokenizer.Decode(ids));
    }
}
