using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Tests.Tokenization;

/// <summary>Unsupported or malformed files fail at load with a message naming the part, never encode wrong.</summary>
public sealed class MalformedTokenizerTests
{
    [Theory]
    [InlineData("pre_tokenizer", """{"type": "Foo"}""", "pre_tokenizer.type 'Foo' is not supported")]
    [InlineData("normalizer", """{"type": "Precompiled", "precompiled_charsmap": ""}""", "normalizer.type 'Precompiled' is not supported")]
    [InlineData("normalizer", """{"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "BertNormalizer"}]}""", "normalizer.normalizers[1].type 'BertNormalizer' is not supported")]
    [InlineData("decoder", """{"type": "CTC"}""", "decoder.type 'CTC' is not supported")]
    [InlineData("post_processor", """{"type": "Bogus"}""", "post_processor.type 'Bogus' is not supported")]
    [InlineData("pre_tokenizer", """{"type": "Split", "pattern": {"Regex": "(?<=a"}, "behavior": "Isolated"}""", "pre_tokenizer.pattern regex '(?<=a' is not supported")]
    [InlineData("pre_tokenizer", """{"type": "Split", "pattern": {"String": "x"}, "behavior": "Sideways"}""", "pre_tokenizer.behavior 'Sideways' is not supported")]
    [InlineData("pre_tokenizer", """{"type": "Split", "pattern": "x", "behavior": "Isolated"}""", "pre_tokenizer.pattern must be {\"String\": ...} or {\"Regex\": ...}")]
    [InlineData("pre_tokenizer", """{"type": "Metaspace", "prepend_scheme": "sometimes"}""", "pre_tokenizer.prepend_scheme 'sometimes' is not supported")]
    [InlineData("pre_tokenizer", """{"kind": "Split"}""", "pre_tokenizer.type is missing")]
    [InlineData("pre_tokenizer", "[1, 2]", "pre_tokenizer must be an object, found Array")]
    public void FromJson_UnsupportedComponent_ThrowsNamingThePart(string component, string json, string expected)
    {
        var error = Assert.Throws<TokenizerFormatException>(() => new TinyTokenizer(TinyTokenizer.Letters).With(component, json).Build());
        Assert.StartsWith(expected, error.Message);
    }

    [Theory]
    [InlineData("type", "\"Unigram\"", "model.type 'Unigram' is not supported (only BPE)")]
    [InlineData("merges", "[\"a\"]", "model.merges[0] 'a' must be two tokens separated by one space")]
    [InlineData("merges", "[\"a Q\"]", "model.merges[0] uses 'Q', which is not in model.vocab")]
    [InlineData("merges", "[\"a b\"]", "model.merges[0] uses 'ab', which is not in model.vocab")]
    [InlineData("merges", "[[\"a\", 1]]", "model.merges[0] must be \"a b\" or [\"a\", \"b\"]")]
    [InlineData("vocab", "{\"a\": \"zero\"}", "model.vocab['a'] must be a non-negative integer id")]
    [InlineData("unk_token", "\"<unk>\"", "model.unk_token '<unk>' is not in the vocabulary")]
    [InlineData("dropout", "0.1", "model.dropout is not supported")]
    [InlineData("continuing_subword_prefix", "\"##\"", "model.continuing_subword_prefix '##' is not supported")]
    public void FromJson_BadModel_ThrowsNamingThePart(string property, string json, string expected)
    {
        var error = Assert.Throws<TokenizerFormatException>(() =>
            new TinyTokenizer(TinyTokenizer.Letters).WithModel(property, System.Text.Json.Nodes.JsonNode.Parse(json)).Build());
        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void FromFile_NotJson_ThrowsFormatException()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "{ not json");
            var error = Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromFile(path));
            Assert.Contains("is not valid JSON", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FromJson_AddedTokenWithoutContent_ThrowsNamingTheEntry()
    {
        var json = new TinyTokenizer(TinyTokenizer.Letters).Json.Replace("\"added_tokens\":[]", "\"added_tokens\":[{\"id\": 5}]", StringComparison.Ordinal);
        var error = Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromJson(json));
        Assert.Equal("added_tokens[0].content is missing", error.Message);
    }

    [Fact]
    public void FromJson_MissingModel_Throws()
    {
        var error = Assert.Throws<TokenizerFormatException>(() => Tokenizer.FromJson("""{"normalizer": null}"""));
        Assert.Equal("tokenizer.model is missing", error.Message);
    }
}
