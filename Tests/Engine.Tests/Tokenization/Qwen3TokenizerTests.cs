using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Tests.Tokenization;

/// <summary>Every case of qwen3-tokenizer-cases.json (Hugging Face tokenizers 0.23.2), exactly.</summary>
public sealed class Qwen3TokenizerTests
{
    private static Tokenizer Qwen3 => TokenizerCases.Qwen3;

    [Theory]
    [MemberData(nameof(TokenizerCases.Qwen3Data), MemberType = typeof(TokenizerCases))]
    public void Encode_Qwen3ReferenceCase_ReturnsReferenceIds(TokenizerCase testCase)
    {
        Assert.Equal(testCase.Ids, Qwen3.Encode(testCase.Text));
    }

    [Theory]
    [MemberData(nameof(TokenizerCases.Qwen3Data), MemberType = typeof(TokenizerCases))]
    public void Decode_Qwen3ReferenceIds_ReturnsReferenceText(TokenizerCase testCase)
    {
        Assert.Equal(testCase.Decoded, Qwen3.Decode(testCase.Ids));
    }

    [Theory]
    [MemberData(nameof(TokenizerCases.Qwen3Data), MemberType = typeof(TokenizerCases))]
    public void StreamingDecoder_Qwen3ReferenceIds_ConcatenatesToDecodedTextWithoutBrokenCharacters(TokenizerCase testCase)
    {
        var stream = Qwen3.CreateStreamingDecoder(skipSpecialTokens: false);
        var text = new System.Text.StringBuilder();
        foreach (var id in testCase.Ids)
        {
            var piece = stream.Push(id);
            Assert.DoesNotContain('\uFFFD', piece);
            Assert.False(piece.Length > 0 && char.IsHighSurrogate(piece[^1]), "a piece ends inside a surrogate pair");
            text.Append(piece);
        }
        text.Append(stream.Flush());
        Assert.Equal(testCase.Decoded, text.ToString());
    }

    [Fact]
    public void EncodeSpan_AppendsToExistingOutput_SameIdsAsArrayOverload()
    {
        var output = new List<int> { -7 };
        Qwen3.Encode("Hello world<|im_end|>".AsSpan(), output);
        Assert.Equal([-7, 9707, 1879, 151645], output);
    }

    [Fact]
    public void FromDirectory_Qwen3_ReadsVocabularyAndConfig()
    {
        Assert.Equal(151669, Qwen3.VocabSize);
        Assert.Null(Qwen3.BosToken);
        Assert.Equal("<|im_end|>", Qwen3.EosToken);
        Assert.Equal(151645, Qwen3.TokenToId("<|im_end|>"));
        Assert.Equal("<|im_end|>", Qwen3.IdToToken(151645));
        Assert.Equal(9707, Qwen3.TokenToId("Hello"));
        Assert.Equal("ĠHello", Qwen3.IdToToken(21927));
        Assert.True(Qwen3.IsSpecial(151645));
        Assert.False(Qwen3.IsSpecial(151667)); // <think> is an added token but not special
        Assert.False(Qwen3.IsSpecial(9707));
        Assert.Null(Qwen3.TokenToId("no such token"));
        Assert.Null(Qwen3.IdToToken(-1));
        Assert.Null(Qwen3.IdToToken(10_000_000));
    }

    [Fact]
    public void Encode_AddSpecialTokensWithoutTemplate_AddsNothing()
    {
        // Qwen3's post-processor is ByteLevel: no BOS/EOS even when special tokens are requested.
        Assert.Equal(Qwen3.Encode("Hello world"), Qwen3.Encode("Hello world", addSpecialTokens: true));
    }

    [Fact]
    public void Decode_SkipSpecialTokens_DropsSpecialButKeepsNonSpecialAddedTokens()
    {
        int[] ids = [151644, 872, 198, 151667, 6023, 151668, 151645];
        Assert.Equal("user\n<think>hi</think>", Qwen3.Decode(ids, skipSpecialTokens: true));
        Assert.Equal("<|im_start|>user\n<think>hi</think><|im_end|>", Qwen3.Decode(ids));
    }

    [Fact]
    public void Decode_UnknownIds_AreSkipped()
    {
        Assert.Equal("Hello", Qwen3.Decode([-1, 9707, 151_669, 10_000_000]));
        var stream = Qwen3.CreateStreamingDecoder();
        Assert.Equal("", stream.Push(-5));
        Assert.Equal("", stream.Push(10_000_000));
        Assert.Equal("Hello", stream.Push(9707));
    }
}
