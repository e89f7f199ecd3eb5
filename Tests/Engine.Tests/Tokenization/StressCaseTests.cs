using System.Text.Json;
using DynamoOrleans.Engine.Tests.Fixtures;
using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Tests.Tokenization;

/// <summary>
/// 400 random strings per tokenizer (scripts, combining marks, astral letters and digits, emoji,
/// whitespace runs, fragments of added tokens), with ids and decodes from transformers.js
/// (gen-tokenizer-stress.js beside this file, seed 7). Mismatches are listed together.
/// </summary>
public sealed class StressCaseTests
{
    [Theory]
    [InlineData("qwen3")]
    [InlineData("llama3")]
    [InlineData("llama2")]
    public void EncodeDecodeAndStream_RandomStrings_MatchReference(string name)
    {
        var tokenizer = name switch
        {
            "qwen3" => TokenizerCases.Qwen3,
            "llama3" => TokenizerCases.Llama3,
            _ => TokenizerCases.Llama2,
        };
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestData.Root, $"{name}-tokenizer-stress.json")));
        var mismatches = new List<string>();
        var count = 0;
        foreach (var item in document.RootElement.GetProperty("encode").EnumerateArray())
        {
            count++;
            var text = item.GetProperty("text").GetString()!;
            int[] ids = [.. item.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32())];
            int[] withSpecial = [.. item.GetProperty("ids_with_special_tokens").EnumerateArray().Select(e => e.GetInt32())];
            var decoded = item.GetProperty("decoded").GetString()!;
            if (!tokenizer.Encode(text).SequenceEqual(ids))
                mismatches.Add($"encode {JsonSerializer.Serialize(text)}");
            if (!tokenizer.Encode(text, addSpecialTokens: true).SequenceEqual(withSpecial))
                mismatches.Add($"encode with special tokens {JsonSerializer.Serialize(text)}");
            if (tokenizer.Decode(ids) != decoded)
                mismatches.Add($"decode {JsonSerializer.Serialize(text)}");
            var stream = tokenizer.CreateStreamingDecoder(skipSpecialTokens: false);
            if (string.Concat(ids.Select(stream.Push)) + stream.Flush() != decoded)
                mismatches.Add($"streaming decode {JsonSerializer.Serialize(text)}");
        }
        Assert.Equal(400, count);
        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches.Take(10)));
    }
}
