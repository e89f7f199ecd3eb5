using System.Text.Json.Nodes;
using DynamoOrleans.Gateway.Preprocessing;
using DynamoOrleans.Gateway.Tests.Fakes;

namespace DynamoOrleans.Gateway.Tests.Http;

public sealed class ChatHttpTests
{
    private const string User = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    [Fact]
    public async Task Chat_NonStreaming_ContentUsageAndFinishReason()
    {
        var engine = new ScriptedEngine(_ => "Hello there.") { CachedTokens = 16 };
        await using var server = await GatewayServer.StartAsync(engine);
        var response = await Sse.PostJsonAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{User}}}}""");
        Assert.Equal("chat.completion", response["object"]!.GetValue<string>());
        var choice = response["choices"]![0]!;
        Assert.Equal("Hello there.", choice["message"]!["content"]!.GetValue<string>());
        Assert.Equal("stop", choice["finish_reason"]!.GetValue<string>());
        var usage = response["usage"]!;
        var promptTokens = new ByteLevelPreprocessor().RenderChat(new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }), null, new Dictionary<string, JsonNode?>()).TokenIds.Length;
        Assert.Equal(promptTokens, usage["prompt_tokens"]!.GetValue<int>());
        Assert.Equal("Hello there.".Length + 1, usage["completion_tokens"]!.GetValue<int>());
        Assert.Equal(16, usage["prompt_tokens_details"]!["cached_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Chat_Streaming_RoleFirstThenDeltasThenUsageChunk()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => "abc"));
        var chunks = await Sse.PostStreamAsync(server.Client, "/v1/chat/completions",
            $$$"""{"model":"fake-model",{{{User}}},"stream":true,"stream_options":{"include_usage":true}}""");
        Assert.Equal("assistant", chunks[0]["choices"]![0]!["delta"]!["role"]!.GetValue<string>());
        Assert.Equal("abc", Sse.Join(chunks, "content"));
        var last = chunks[^1];
        Assert.Empty(last["choices"]!.AsArray());
        Assert.Equal(4, last["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal("stop", chunks[^2]["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.All(chunks[..^1], c => Assert.True(c.ContainsKey("usage") && c["usage"] is null));
    }

    [Fact]
    public async Task Chat_StopStringSplitAcrossTokens_TrimmedAndNeverStreamed()
    {
        var engine = new ScriptedEngine(_ => "The answer is 42.\nObservation: secret");
        await using var server = await GatewayServer.StartAsync(engine);
        var chunks = await Sse.PostStreamAsync(server.Client, "/v1/chat/completions",
            $$$"""{"model":"fake-model",{{{User}}},"stream":true,"stop":["\nObservation:"]}""");
        var text = Sse.Join(chunks, "content");
        Assert.Equal("The answer is 42.", text);
        Assert.DoesNotContain(chunks, c => c.ToJsonString().Contains("Obs", StringComparison.Ordinal));
        Assert.Equal("stop", chunks[^1]["choices"]![0]!["finish_reason"]!.GetValue<string>());
        await WaitForAsync(() => engine.Cancelled == 1);
    }

    [Fact]
    public async Task Chat_MaxTokens_FinishReasonLength()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => "a long answer"));
        var response = await Sse.PostJsonAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{User}}},"max_tokens":3}""");
        Assert.Equal("a l", response["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal("length", response["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal(3, response["usage"]!["completion_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Chat_NChoices_EachIndexedWithOwnSeed()
    {
        var engine = new ScriptedEngine(r => $"seed {r.Sampling.Seed}");
        await using var server = await GatewayServer.StartAsync(engine);
        var response = await Sse.PostJsonAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{User}}},"n":3,"seed":10}""");
        var contents = response["choices"]!.AsArray().Select(c => (c!["index"]!.GetValue<int>(), c["message"]!["content"]!.GetValue<string>())).ToList();
        Assert.Equal([(0, "seed 10"), (1, "seed 11"), (2, "seed 12")], contents);
        Assert.Equal(3 * 8, response["usage"]!["completion_tokens"]!.GetValue<int>());

        var chunks = await Sse.PostStreamAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{User}}},"n":2,"seed":1,"stream":true}""");
        Assert.Equal("seed 1", Sse.Join(chunks, "content", 0));
        Assert.Equal("seed 2", Sse.Join(chunks, "content", 1));
    }

    [Fact]
    public async Task Chat_Logprobs_ChatShapeWithTopAlternatives()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => "ok"));
        var response = await Sse.PostJsonAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{User}}},"logprobs":true,"top_logprobs":2}""");
        var content = response["choices"]![0]!["logprobs"]!["content"]!.AsArray();
        Assert.Equal(3, content.Count);
        Assert.Equal("o", content[0]!["token"]!.GetValue<string>());
        Assert.Equal(-0.25, content[0]!["logprob"]!.GetValue<double>());
        Assert.Equal([(int)'o'], content[0]!["bytes"]!.AsArray().Select(b => b!.GetValue<int>()));
        Assert.Equal(2, content[0]!["top_logprobs"]!.AsArray().Count);
    }

    [Fact]
    public async Task Chat_ReasoningSplit_StreamingAndNot()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => "<think>\nhmm, 2+2\n</think>\n\nIt is 4."));
        var response = await Sse.PostJsonAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{User}}}}""");
        var message = response["choices"]![0]!["message"]!;
        Assert.Equal("\nhmm, 2+2\n", message["reasoning_content"]!.GetValue<string>());
        Assert.Equal("It is 4.", message["content"]!.GetValue<string>());

        var chunks = await Sse.PostStreamAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{User}}},"stream":true}""");
        Assert.Equal("\nhmm, 2+2\n", Sse.Join(chunks, "reasoning_content"));
        Assert.Equal("It is 4.", Sse.Join(chunks, "content"));
    }

    [Fact]
    public async Task Chat_TemplateOpensThink_OutputStartsInReasoning()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => "thinking</think>answer"));
        var response = await Sse.PostJsonAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{User}}},"chat_template_kwargs":{"open_think":true}}""");
        var message = response["choices"]![0]!["message"]!;
        Assert.Equal("thinking", message["reasoning_content"]!.GetValue<string>());
        Assert.Equal("answer", message["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task Chat_ClientDisconnect_CancelsEngine()
    {
        var engine = new ScriptedEngine(_ => new string('x', 10_000)) { TokenDelay = TimeSpan.FromMilliseconds(5) };
        await using var server = await GatewayServer.StartAsync(engine);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$$"""{"model":"fake-model",{{{User}}},"stream":true}""", System.Text.Encoding.UTF8, "application/json"),
        };
        var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[256];
        Assert.True(await stream.ReadAsync(buffer) > 0);
        response.Dispose();
        await WaitForAsync(() => engine.Cancelled == 1);
    }

    internal static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 600 && !condition(); i++) await Task.Delay(25);
        Assert.True(condition());
    }
}
