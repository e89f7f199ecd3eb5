using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Tests.Tokenization;

public sealed class PostProcessorTests
{
    private const string Template = """
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
         "pair": [],
         "special_tokens": {"<s>": {"id": "<s>", "ids": [100], "tokens": ["<s>"]}, "</s>": {"id": "</s>", "ids": [101], "tokens": ["</s>"]}}}
        """;

    [Fact]
    public void Encode_TemplateProcessingWithSpecialTokens_AddsBosAndEos()
    {
        var tokenizer = new TinyTokenizer(TinyTokenizer.Letters).With("post_processor", Template).WithAdded(100, "<s>").WithAdded(101, "</s>").Build();
        Assert.Equal([100, 0, 1, 101], tokenizer.Encode("ab", addSpecialTokens: true));
        Assert.Equal([0, 1], tokenizer.Encode("ab"));
        Assert.Equal([100, 101], tokenizer.Encode("", addSpecialTokens: true));
    }

    [Fact]
    public void Encode_SequenceOfByteLevelAndTemplate_AddsTemplateTokens()
    {
        var json = $$"""{"type": "Sequence", "processors": [{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": true}, {{Template}}]}""";
        var tokenizer = new TinyTokenizer(TinyTokenizer.Letters).With("post_processor", json).Build();
        Assert.Equal([100, 2, 101], tokenizer.Encode("c", addSpecialTokens: true));
    }

    [Fact]
    public void Encode_TemplateWithUnknownSpecialToken_IsRejected()
    {
        var json = Template.Replace("{\"SpecialToken\": {\"id\": \"</s>\"", "{\"SpecialToken\": {\"id\": \"<eos>\"", StringComparison.Ordinal);
        var error = Assert.Throws<TokenizerFormatException>(() => new TinyTokenizer(TinyTokenizer.Letters).With("post_processor", json).Build());
        Assert.Contains("'<eos>' is not in post_processor.special_tokens", error.Message);
    }
}
