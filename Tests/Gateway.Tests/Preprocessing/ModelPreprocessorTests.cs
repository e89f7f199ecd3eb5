using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Models.Demo;
using DynamoOrleans.Gateway.Preprocessing;
using DynamoOrleans.Gateway.Tests.Fakes;

namespace DynamoOrleans.Gateway.Tests.Preprocessing;

/// <summary>The demo model's real tokenizer and Qwen3-style chat template, written once to a temp folder.</summary>
public sealed class DemoModelFolder : IDisposable
{
    public DemoModelFolder()
    {
        Directory = Path.Combine(Path.GetTempPath(), "gateway-demo-tokenizer-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        VocabSize = DemoTokenizerBuilder.Write(Directory, numMerges: 300);
        Preprocessor = ModelPreprocessor.FromDirectory(Directory);
        ImEnd = Preprocessor.Tokenizer.TokenToId("<|im_end|>")!.Value;
    }

    public string Directory { get; }

    public int VocabSize { get; }

    public int ImEnd { get; }

    public ModelPreprocessor Preprocessor { get; }

    public ScriptedEngine Engine(Func<Engine.Serving.GenerateRequest, string> script) =>
        new(script, encode: t => Preprocessor.Tokenizer.Encode(t), eos: ImEnd, vocabSize: VocabSize);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

public sealed class ModelPreprocessorTests(DemoModelFolder demo) : IClassFixture<DemoModelFolder>
{
    private static readonly Dictionary<string, JsonNode?> NoVariables = [];

    [Fact]
    public void RenderChat_QwenTemplate_GenerationPromptAndTools()
    {
        var messages = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" });
        var tools = new JsonArray(new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = "get_weather" } });
        var prompt = demo.Preprocessor.RenderChat(messages, tools, NoVariables);
        Assert.EndsWith("<|im_start|>assistant\n", prompt.Text, StringComparison.Ordinal);
        Assert.Contains("get_weather", prompt.Text, StringComparison.Ordinal);
        Assert.Equal(prompt.Text, demo.Preprocessor.Tokenizer.Decode(prompt.TokenIds));
        Assert.Contains(demo.Preprocessor.Tokenizer.TokenToId("<|im_start|>")!.Value, prompt.TokenIds);
    }

    [Fact]
    public void RenderChat_EnableThinkingFalse_ClosedThinkBlockInPrompt()
    {
        var messages = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" });
        var prompt = demo.Preprocessor.RenderChat(messages, null, new Dictionary<string, JsonNode?> { ["enable_thinking"] = false });
        Assert.EndsWith("<think>\n\n</think>\n\n", prompt.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Detokenizer_RoundTripsMultibyteText()
    {
        const string text = "Grüße, 世界! <think>ok</think>";
        var detok = demo.Preprocessor.CreateDetokenizer();
        var output = string.Concat(demo.Preprocessor.Tokenizer.Encode(text).Select(detok.Push)) + detok.Flush();
        Assert.Equal(text, output);
    }

    [Fact]
    public async Task Http_RealTokenizer_ToolCallReasoningAndEosHidden()
    {
        var engine = demo.Engine(r => r.PromptTokenIds.Count > 0 && demo.Preprocessor.Decode(r.PromptTokenIds.ToArray()).Contains("get_weather", StringComparison.Ordinal)
            ? "<think>\nI should call the tool.\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"
            : "<think>\nEasy.\n</think>\n\nHello, world!");
        await using var server = await GatewayServer.StartAsync(engine, preprocessor: demo.Preprocessor);

        var plain = await Sse.PostJsonAsync(server.Client, "/v1/chat/completions", """{"model":"fake-model","messages":[{"role":"user","content":"hi"}]}""");
        var message = plain["choices"]![0]!["message"]!;
        Assert.Equal("Hello, world!", message["content"]!.GetValue<string>());
        Assert.Equal("\nEasy.\n", message["reasoning_content"]!.GetValue<string>());

        var chunks = await Sse.PostStreamAsync(server.Client, "/v1/chat/completions", """
            {"model":"fake-model","messages":[{"role":"user","content":"weather?"}],"stream":true,
             "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}
            """);
        Assert.Equal("\nI should call the tool.\n", Sse.Join(chunks, "reasoning_content"));
        var header = chunks.Select(c => c["choices"]![0]!["delta"]!["tool_calls"]?[0]).First(t => t is not null)!;
        Assert.Equal("get_weather", header["function"]!["name"]!.GetValue<string>());
        Assert.Equal("tool_calls", chunks[^1]["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.DoesNotContain(chunks, c => c.ToJsonString().Contains("im_end", StringComparison.Ordinal));
    }
}
