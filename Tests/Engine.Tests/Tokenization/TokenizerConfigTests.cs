using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Tests.Tokenization;

public sealed class TokenizerConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tokenizer-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void FromDirectory_ConfigWithObjectTokensAndExtraAddedTokens_ReadsAll()
    {
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), new TinyTokenizer(TinyTokenizer.Letters).WithAdded(100, "<s>").Json);
        File.WriteAllText(Path.Combine(_dir, "tokenizer_config.json"), """
            {
              "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false},
              "eos_token": "</s>",
              "added_tokens_decoder": {
                "100": {"content": "<s>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true},
                "205": {"content": "</s>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true}
              }
            }
            """);
        var tokenizer = Tokenizer.FromDirectory(_dir);
        Assert.Equal("<s>", tokenizer.BosToken);
        Assert.Equal("</s>", tokenizer.EosToken);
        Assert.Equal(206, tokenizer.VocabSize);
        Assert.Equal([100, 0, 205], tokenizer.Encode("<s>a</s>"));
        Assert.True(tokenizer.IsSpecial(205));
    }

    [Fact]
    public void FromDirectory_NoConfig_HasNoBosOrEos()
    {
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), new TinyTokenizer(TinyTokenizer.Letters).Json);
        var tokenizer = Tokenizer.FromDirectory(_dir);
        Assert.Null(tokenizer.BosToken);
        Assert.Null(tokenizer.EosToken);
        Assert.Equal(27, tokenizer.VocabSize);
    }

    [Fact]
    public void FromDirectory_BadAddedTokensDecoderKey_ThrowsNamingTheEntry()
    {
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), new TinyTokenizer(TinyTokenizer.Letters).Json);
        File.WriteAllText(Path.Combine(_dir, "tokenizer_config.json"), """{"added_tokens_decoder": {"x": {"content": "<s>"}}}""");
        var error = Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromDirectory(_dir));
        Assert.Equal("tokenizer_config.added_tokens_decoder['x'] key must be a non-negative integer id", error.Message);
    }
}
