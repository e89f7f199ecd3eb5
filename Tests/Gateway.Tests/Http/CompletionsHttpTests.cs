using DynamoOrleans.Gateway.Tests.Fakes;

namespace DynamoOrleans.Gateway.Tests.Http;

public sealed class CompletionsHttpTests
{
    [Fact]
    public async Task Completions_NonStreaming_DefaultMaxTokens16()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => "0123456789abcdefghij"));
        var response = await Sse.PostJsonAsync(server.Client, "/v1/completions", """{"model":"fake-model","prompt":"count:"}""");
        Assert.Equal("text_completion", response["object"]!.GetValue<string>());
        Assert.Equal("0123456789abcdef", response["choices"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("length", response["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal(6, response["usage"]!["prompt_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Completions_StreamingWithLogprobs_CompletionsShape()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => "hey"));
        var chunks = await Sse.PostStreamAsync(server.Client, "/v1/completions",
            """{"model":"fake-model","prompt":"x","stream":true,"logprobs":2,"stream_options":{"include_usage":true}}""");
        Assert.Equal("hey", Sse.Join(chunks, "text"));
        var lp = chunks[1]["choices"]![0]!["logprobs"]!;
        Assert.Equal("e", lp["tokens"]![0]!.GetValue<string>());
        Assert.Equal(-0.25, lp["token_logprobs"]![0]!.GetValue<double>());
        Assert.Equal(2, lp["top_logprobs"]![0]!.AsObject().Count);
        Assert.Equal(1, lp["text_offset"]![0]!.GetValue<int>());
        Assert.Equal(4, chunks[^1]["usage"]!["completion_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Completions_TokenIdPromptsAndEcho_ChoicesPerPrompt()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => "!"));
        var a = 'a' + 3;
        var b = 'b' + 3;
        var response = await Sse.PostJsonAsync(server.Client, "/v1/completions", $$"""{"model":"fake-model","prompt":[[{{a}}],[{{b}}]],"echo":true,"n":2}""");
        var texts = response["choices"]!.AsArray().Select(c => c!["text"]!.GetValue<string>()).ToList();
        Assert.Equal(["a!", "a!", "b!", "b!"], texts);
        Assert.Equal(2, response["usage"]!["prompt_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Completions_StopTokenIds_FinishWithoutTheirText()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => "abc;def"));
        var response = await Sse.PostJsonAsync(server.Client, "/v1/completions", $$"""{"model":"fake-model","prompt":"x","stop_token_ids":[{{';' + 3}}]}""");
        Assert.Equal("abc", response["choices"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("stop", response["choices"]![0]!["finish_reason"]!.GetValue<string>());
    }
}
