using System.ClientModel;
using System.Text;
using DynamoOrleans.Engine.Models.Demo;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Preprocessing;
using DynamoOrleans.Gateway.Tests.Fakes;
using OpenAI;
using OpenAI.Chat;

namespace DynamoOrleans.Gateway.Tests.EndToEnd;

/// <summary>The demo model (seeded random Qwen3-shaped weights, real tokenizer and template) on the CPU engine, served once for the class.</summary>
public sealed class DemoEngineServer : IAsyncLifetime
{
    private EngineClient? _engine;

    public GatewayServer Server { get; private set; } = null!;

    public EngineClient Engine => _engine!;

    public async Task InitializeAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), "dynamo-gateway-tests-demo");
        var folder = DemoModel.EnsureFolder(root);
        _engine = CpuEngine.Start(folder, new EngineOptions { ModelName = DemoModel.Name, BlockSize = 16, MaxSequences = 64, Seed = 1 });
        Server = await GatewayServer.StartAsync(_engine, preprocessor: ModelPreprocessor.FromDirectory(folder));
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        if (_engine is not null) await _engine.DisposeAsync();
    }
}

public sealed class RealEngineEndToEndTests(DemoEngineServer demo) : IClassFixture<DemoEngineServer>
{
    private ChatClient Client() =>
        new(DemoModel.Name, new ApiKeyCredential("none"), new OpenAIClientOptions { Endpoint = new Uri(demo.Server.BaseAddress, "/v1") });

    private static ChatCompletionOptions Greedy(int maxTokens) => new() { Temperature = 0, MaxOutputTokenCount = maxTokens };

    [Fact]
    public async Task Sdk_GreedyChat_StreamingEqualsNonStreamingAndUsageCounts()
    {
        var client = Client();
        List<ChatMessage> messages = [new UserChatMessage("Tell me about the gateway.")];
        ChatCompletion whole = await client.CompleteChatAsync(messages, Greedy(24));
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in client.CompleteChatStreamingAsync(messages, Greedy(24)))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            usage ??= update.Usage;
        }
        var content = whole.Content.Count > 0 ? whole.Content[0].Text : "";
        Assert.Equal(content, text.ToString());
        Assert.Equal(whole.Usage.OutputTokenCount, usage!.OutputTokenCount);
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
        Assert.True(whole.Usage.OutputTokenCount is > 0 and <= 24);
        // The same prompt again is served from the prefix cache.
        Assert.True(usage.InputTokenDetails.CachedTokenCount > 0, "second identical prompt should hit the prefix cache");
    }

    [Fact]
    public async Task Http_StopStringFromGreedyOutput_TrimmedAndFinishStop()
    {
        const string body = """{"model":"demo","messages":[{"role":"user","content":"Say something."}],"temperature":0,"max_tokens":32,"ignore_eos":true}""";
        var first = await Sse.PostJsonAsync(demo.Server.Client, "/v1/chat/completions", body);
        var text = first["choices"]![0]!["message"]!["content"]!.GetValue<string>();
        Assert.True(text.Length > 8, text);
        var stop = text.Substring(text.Length / 2, 3);
        var expected = text[..text.IndexOf(stop, StringComparison.Ordinal)];
        var chunks = await Sse.PostStreamAsync(demo.Server.Client, "/v1/chat/completions",
            body[..^1] + $$""","stream":true,"stop":[{{System.Text.Json.JsonSerializer.Serialize(stop)}}]}""");
        Assert.Equal(expected, Sse.Join(chunks, "content"));
        Assert.Equal("stop", chunks[^1]["choices"]![0]!["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Http_CompletionsWithLogprobs_RealTokens()
    {
        var response = await Sse.PostJsonAsync(demo.Server.Client, "/v1/completions",
            """{"model":"demo","prompt":"The cluster","max_tokens":6,"temperature":0,"ignore_eos":true,"logprobs":2}""");
        var choice = response["choices"]![0]!;
        var tokens = choice["logprobs"]!["tokens"]!.AsArray();
        Assert.Equal(6, tokens.Count);
        Assert.Equal(choice["text"]!.GetValue<string>(), string.Concat(tokens.Select(t => t!.GetValue<string>())));
        Assert.All(choice["logprobs"]!["token_logprobs"]!.AsArray(), lp => Assert.True(lp!.GetValue<double>() <= 0));
        Assert.Equal("length", choice["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Http_ConcurrentStreams_AllCompleteWithUsage()
    {
        var tasks = Enumerable.Range(0, 32).Select(async i =>
        {
            var chunks = await Sse.PostStreamAsync(demo.Server.Client, "/v1/chat/completions",
                $$$"""{"model":"demo","messages":[{"role":"user","content":"request {{{i}}}"}],"max_tokens":12,"ignore_eos":true,"seed":{{{i}}},"stream":true,"stream_options":{"include_usage":true}}""");
            Assert.Equal(12, chunks[^1]["usage"]!["completion_tokens"]!.GetValue<int>());
            Assert.Equal("length", chunks[^2]["choices"]![0]!["finish_reason"]!.GetValue<string>());
        });
        await Task.WhenAll(tasks);
        Assert.Equal(0, demo.Engine.GetLoad().NumRunning);
    }

    [Fact]
    public async Task Fuzz_MutatedRequestsOnRealEngine_NoServerError()
    {
        await RequestFuzzer.RunAsync(demo.Server.Client, DemoModel.Name, seed: 99, count: 120);
        Assert.Equal(0, demo.Engine.GetLoad().NumRunning);
    }

    [Fact]
    public async Task Http_PromptOverContext_400()
    {
        var huge = string.Join(' ', Enumerable.Repeat("gateway", demo.Engine.Model.MaxContextLength));
        using var response = await Sse.PostAsync(demo.Server.Client, "/v1/completions", $$"""{"model":"demo","prompt":"{{huge}}"}""");
        Assert.Equal(400, (int)response.StatusCode);
    }
}
