using System.Text.Json;
using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Tests.Fixtures;
using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Tests.Tokenization;

/// <summary>
/// The Llama 2 / Mistral vocabulary in the non-legacy form Hugging Face converts to: no
/// normalizer, a Metaspace pre-tokenizer and decoder with prepend_scheme "first". Reference ids
/// for 300 random strings come from transformers.js on the same patched file.
/// </summary>
public sealed class MetaspaceTokenizerTests
{
    private static readonly Lazy<Tokenizer> Patched = new(() =>
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(TokenizerCases.Llama2Directory, "tokenizer.json")))!;
        const string metaspace = """{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false, "add_prefix_space": true}""";
        root["normalizer"] = null;
        root["pre_tokenizer"] = JsonNode.Parse(metaspace);
        root["decoder"] = JsonNode.Parse(metaspace);
        return Tokenizer.FromJson(root.ToJsonString());
    });

    [Fact]
    public void Encode_RandomStrings_MatchReference()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestData.Root, "llama2-metaspace-first-stress.json")));
        var mismatches = new List<string>();
        foreach (var item in document.RootElement.GetProperty("encode").EnumerateArray())
        {
            var text = item.GetProperty("text").GetString()!;
            int[] ids = [.. item.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32())];
            if (!Patched.Value.Encode(text).SequenceEqual(ids))
                mismatches.Add(JsonSerializer.Serialize(text));
        }
        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches.Take(10)));
    }

    [Fact]
    public void Encode_FirstScheme_PrependsOnlyAtTheStartOfTheInput()
    {
        var tokenizer = Patched.Value;
        Assert.Equal([22557, 1526], tokenizer.Encode("Hello world"));     // ▁Hello ▁world
        Assert.Equal([1, 16230], tokenizer.Encode("<s>Hello"));            // <s> Hello: no ▁ after an added token
        Assert.Equal([15359, 2, 736], tokenizer.Encode("Hi</s> there"));
    }

    [Fact]
    public void Decode_FirstTokenOfRepeatedMarkers_DropsThemAllLikeRust()
    {
        // Rust's Metaspace decoder drops every ▁ of the first token (transformers.js drops one).
        var tokenizer = Patched.Value;
        int[] ids = [259, 22557];
        Assert.Equal("▁▁", tokenizer.IdToToken(ids[0]));
        Assert.Equal("▁Hello", tokenizer.IdToToken(ids[1]));
        Assert.Equal(" Hello", tokenizer.Decode(ids));
        var stream = tokenizer.CreateStreamingDecoder();
        Assert.Equal(" Hello", string.Concat(ids.Select(stream.Push)) + stream.Flush());
    }
}
