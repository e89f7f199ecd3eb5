using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Tests.Fakes;

namespace DynamoOrleans.Gateway.Tests.Http;

public sealed class ToolCallHttpTests
{
    private const string Tools = """
        "messages":[{"role":"user","content":"weather in Paris?"}],
        "tools":[{"type":"function","function":{"name":"get_weather","description":"d","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]
        """;

    private const string HermesCall = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";

    [Fact]
    public async Task Tools_NonStreaming_ToolCallsAndFinishReason()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => HermesCall));
        var response = await Sse.PostJsonAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{Tools}}}}""");
        var choice = response["choices"]![0]!;
        Assert.Equal("tool_calls", choice["finish_reason"]!.GetValue<string>());
        Assert.Null(choice["message"]!["content"]);
        var call = choice["message"]!["tool_calls"]![0]!;
        Assert.StartsWith("call_", call["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("function", call["type"]!.GetValue<string>());
        Assert.Equal("get_weather", call["function"]!["name"]!.GetValue<string>());
        Assert.Equal("Paris", JsonNode.Parse(call["function"]!["arguments"]!.GetValue<string>())!["city"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tools_Streaming_HeaderDeltaThenArgumentFragments()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => HermesCall));
        var chunks = await Sse.PostStreamAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{Tools}}},"stream":true}""");
        var toolDeltas = chunks.Select(c => c["choices"]![0]!["delta"]!["tool_calls"]).Where(t => t is not null).Select(t => t![0]!).ToList();
        Assert.Equal(0, toolDeltas[0]["index"]!.GetValue<int>());
        Assert.Equal("get_weather", toolDeltas[0]["function"]!["name"]!.GetValue<string>());
        Assert.Equal("", toolDeltas[0]["function"]!["arguments"]!.GetValue<string>());
        Assert.NotNull(toolDeltas[0]["id"]);
        // The fake engine sends one byte per token, so the arguments arrive a character at a time.
        var fragments = toolDeltas.Skip(1).Select(d => d["function"]!["arguments"]!.GetValue<string>()).ToList();
        Assert.Equal("{\"city\":\"Paris\"}".Length, fragments.Count);
        Assert.All(toolDeltas.Skip(1), d => Assert.Null(d["id"]));
        Assert.All(toolDeltas.Skip(1), d => Assert.Null(d["function"]!["name"]));
        Assert.All(toolDeltas, d => Assert.Equal(0, d["index"]!.GetValue<int>()));
        Assert.Equal("tool_calls", chunks[^1]["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal("", Sse.Join(chunks, "content"));

        var whole = await Sse.PostJsonAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{Tools}}}}""");
        var arguments = whole["choices"]![0]!["message"]!["tool_calls"]![0]!["function"]!["arguments"]!.GetValue<string>();
        Assert.Equal(arguments, string.Concat(fragments));
        Assert.Equal("{\"city\":\"Paris\"}", arguments);
    }

    [Fact]
    public async Task Tools_ToolChoiceNone_NoToolsInPromptAndMarkupStaysContent()
    {
        var engine = new ScriptedEngine(r => ScriptedEngine.PromptText(r).Contains("<tools>", StringComparison.Ordinal) ? "saw tools" : HermesCall);
        await using var server = await GatewayServer.StartAsync(engine);
        var response = await Sse.PostJsonAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{Tools}}},"tool_choice":"none"}""");
        Assert.Equal(HermesCall, response["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal("stop", response["choices"]![0]!["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tools_NamedChoice_BareArgumentsBecomeTheCall()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => "{\"city\": \"Rome\"}"));
        var response = await Sse.PostJsonAsync(server.Client, "/v1/chat/completions",
            $$$$"""{"model":"fake-model",{{{{Tools}}}},"tool_choice":{"type":"function","function":{"name":"get_weather"}}}""");
        var call = response["choices"]![0]!["message"]!["tool_calls"]![0]!;
        Assert.Equal("get_weather", call["function"]!["name"]!.GetValue<string>());
        Assert.Equal("{\"city\":\"Rome\"}", call["function"]!["arguments"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tools_FollowUpWithToolResult_RenderedWithArgumentsObject()
    {
        string? prompt = null;
        var engine = new ScriptedEngine(r =>
        {
            prompt = ScriptedEngine.PromptText(r);
            return "It is sunny in Paris.";
        });
        await using var server = await GatewayServer.StartAsync(engine);
        var response = await Sse.PostJsonAsync(server.Client, "/v1/chat/completions", """
            {"model":"fake-model","messages":[
              {"role":"user","content":"weather in Paris?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"sunny"}],
             "tools":[{"type":"function","function":{"name":"get_weather"}}]}
            """);
        Assert.Equal("It is sunny in Paris.", response["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Contains("<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}</tool_call>", prompt, StringComparison.Ordinal);
        Assert.Contains("<|im_start|>tool\nsunny", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tools_LengthDuringCall_FinishReasonLength()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => HermesCall));
        var response = await Sse.PostJsonAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{Tools}}},"max_tokens":20}""");
        Assert.Equal("length", response["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Null(response["choices"]![0]!["message"]!["tool_calls"]);
        _ = FinishReason.Length;
    }

    private const string TwoCalls = "<think>need both</think>\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"São Paulo\", \"days\": [1, 2]}}\n</tool_call>\n"
        + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo \\\"N\\\"\"}}\n</tool_call>";

    [Fact]
    public async Task Tools_StreamingTwoCallsAfterReasoning_FragmentsEqualNonStreamingArguments()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => TwoCalls));
        var chunks = await Sse.PostStreamAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{Tools}}},"stream":true}""");
        var streamed = Accumulate(chunks);
        var whole = await Sse.PostJsonAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{Tools}}}}""");
        var message = whole["choices"]![0]!["message"]!;
        var calls = message["tool_calls"]!.AsArray();
        Assert.Equal(2, calls.Count);
        Assert.Equal(2, streamed.Count);
        for (var i = 0; i < calls.Count; i++)
        {
            Assert.Equal(calls[i]!["function"]!["name"]!.GetValue<string>(), streamed[i].Name);
            Assert.Equal(calls[i]!["function"]!["arguments"]!.GetValue<string>(), streamed[i].Arguments);
            Assert.True(streamed[i].Fragments > 5);
        }
        Assert.Equal("{\"city\":\"Oslo \\\"N\\\"\"}", streamed[1].Arguments);
        Assert.Equal("need both", Sse.Join(chunks, "reasoning_content"));
        Assert.Equal("need both", message["reasoning_content"]!.GetValue<string>());
        Assert.Equal("", Sse.Join(chunks, "content"));
        Assert.Equal("tool_calls", chunks[^1]["choices"]![0]!["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tools_StreamingParallelOff_OnlyTheFirstCall()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => TwoCalls));
        var chunks = await Sse.PostStreamAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{Tools}}},"stream":true,"parallel_tool_calls":false}""");
        var call = Assert.Single(Accumulate(chunks));
        Assert.Equal("{\"city\":\"São Paulo\",\"days\":[1,2]}", call.Arguments);
        Assert.Equal("tool_calls", chunks[^1]["choices"]![0]!["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tools_StopStringAtClosingTag_CallStillCommitted()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => HermesCall + "\nmore text"));
        var chunks = await Sse.PostStreamAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{Tools}}},"stream":true,"stop":["</tool_call>"]}""");
        Assert.Equal("{\"city\":\"Paris\"}", Assert.Single(Accumulate(chunks)).Arguments);
        Assert.Equal("", Sse.Join(chunks, "content"));
        Assert.Equal("tool_calls", chunks[^1]["choices"]![0]!["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tools_MalformedCall_StreamSeesPrefixThenRawBlockAsContent()
    {
        const string broken = "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}}</tool_call>";
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => broken));
        var chunks = await Sse.PostStreamAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{Tools}}},"stream":true}""");
        var call = Assert.Single(Accumulate(chunks));
        Assert.Equal("{\"city\":\"Paris\"}", call.Arguments);
        Assert.Equal(broken, Sse.Join(chunks, "content"));
        Assert.Equal("stop", chunks[^1]["choices"]![0]!["finish_reason"]!.GetValue<string>());

        var whole = await Sse.PostJsonAsync(server.Client, "/v1/chat/completions", $$$"""{"model":"fake-model",{{{Tools}}}}""");
        Assert.Null(whole["choices"]![0]!["message"]!["tool_calls"]);
        Assert.Equal(broken, whole["choices"]![0]!["message"]!["content"]!.GetValue<string>());
    }

    private static List<(string Name, string Arguments, int Fragments)> Accumulate(List<JsonObject> chunks)
    {
        var calls = new List<(string Name, string Arguments, int Fragments)>();
        foreach (var chunk in chunks)
        {
            if (chunk["choices"]![0]!["delta"]?["tool_calls"] is not JsonArray deltas) continue;
            foreach (var delta in deltas)
            {
                var index = delta!["index"]!.GetValue<int>();
                if (delta["id"] is not null)
                {
                    Assert.Equal(calls.Count, index);
                    Assert.Equal("", delta["function"]!["arguments"]!.GetValue<string>());
                    calls.Add((delta["function"]!["name"]!.GetValue<string>(), "", 0));
                    continue;
                }
                var fragment = delta["function"]!["arguments"]!.GetValue<string>();
                Assert.NotEqual("", fragment);
                calls[index] = (calls[index].Name, calls[index].Arguments + fragment, calls[index].Fragments + 1);
            }
        }
        return calls;
    }
}
