using System.ClientModel;
using System.Text;
using System.Text.Json.Nodes;
using DynamoOrleans.Gateway.Tests.Fakes;
using OpenAI;
using OpenAI.Chat;

namespace DynamoOrleans.Gateway.Tests.Http;

/// <summary>The official OpenAI .NET SDK against the gateway over loopback.</summary>
public sealed class OpenAiSdkTests
{
    private static ChatClient Client(GatewayServer server, string key = "sk-none") =>
        new("fake-model", new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "/v1") });

    [Fact]
    public async Task Sdk_CompleteChat_TextUsageAndCachedTokens()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => "Hi from the SDK test.") { CachedTokens = 32 });
        ChatCompletion completion = await Client(server).CompleteChatAsync([new SystemChatMessage("be brief"), new UserChatMessage("hello")],
            new ChatCompletionOptions { Temperature = 0.2f, MaxOutputTokenCount = 100, PresencePenalty = 0.5f, StopSequences = { "NEVER" } });
        Assert.Equal("Hi from the SDK test.", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(22, completion.Usage.OutputTokenCount);
        Assert.Equal(32, completion.Usage.InputTokenDetails.CachedTokenCount);
    }

    [Fact]
    public async Task Sdk_Streaming_TextAndUsage()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => "streamed ✓ text"));
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in Client(server).CompleteChatStreamingAsync([new UserChatMessage("go")]))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }
        Assert.Equal("streamed ✓ text", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.Equal(Encoding.UTF8.GetByteCount("streamed ✓ text") + 1, usage!.OutputTokenCount);
    }

    [Fact]
    public async Task Sdk_Tools_CallThenFollowUpWithResult()
    {
        const string call = "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}</tool_call>";
        var engine = new ScriptedEngine(r => ScriptedEngine.PromptText(r).Contains("<|im_start|>tool", StringComparison.Ordinal) ? "Sunny." : call);
        await using var server = await GatewayServer.StartAsync(engine);
        var client = Client(server);
        var tool = ChatTool.CreateFunctionTool("get_weather", "Weather of a city", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}"""));
        var options = new ChatCompletionOptions { Tools = { tool } };
        List<ChatMessage> messages = [new UserChatMessage("Weather in Paris?")];

        ChatCompletion first = await client.CompleteChatAsync(messages, options);
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var toolCall = Assert.Single(first.ToolCalls);
        Assert.Equal("get_weather", toolCall.FunctionName);
        Assert.Equal("Paris", JsonNode.Parse(toolCall.FunctionArguments.ToString())!["city"]!.GetValue<string>());

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(toolCall.Id, "sunny, 24C"));
        ChatCompletion second = await client.CompleteChatAsync(messages, options);
        Assert.Equal("Sunny.", second.Content[0].Text);

        // Streaming: the SDK assembles the call from the header delta and the argument fragments.
        string? name = null, id = null;
        var args = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Weather in Paris?")], options))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                name ??= part.FunctionName;
                id ??= part.ToolCallId;
                if (part.FunctionArgumentsUpdate is { } a && !a.ToMemory().IsEmpty) args.Append(a.ToString());
            }
        }
        Assert.Equal("get_weather", name);
        Assert.StartsWith("call_", id, StringComparison.Ordinal);
        Assert.Equal("Paris", JsonNode.Parse(args.ToString())!["city"]!.GetValue<string>());
    }

    [Fact]
    public async Task Sdk_Logprobs_TokensAndAlternatives()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => "ab"));
        ChatCompletion completion = await Client(server).CompleteChatAsync([new UserChatMessage("x")],
            new ChatCompletionOptions { IncludeLogProbabilities = true, TopLogProbabilityCount = 3 });
        Assert.Equal(3, completion.ContentTokenLogProbabilities.Count);
        Assert.Equal("a", completion.ContentTokenLogProbabilities[0].Token);
        Assert.Equal(-0.25f, completion.ContentTokenLogProbabilities[0].LogProbability);
        Assert.Equal(3, completion.ContentTokenLogProbabilities[0].TopLogProbabilities.Count);
    }

    [Fact]
    public async Task Sdk_StreamingToolCallUpdates_AccumulateToTheNonStreamingCalls()
    {
        const string calls = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Kraków\", \"when\": {\"day\": \"mon\"}}}\n</tool_call>\n"
            + "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"tz\": [\"Europe/Warsaw\"]}}\n</tool_call>";
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => calls));
        var client = Client(server);
        var options = new ChatCompletionOptions
        {
            Tools =
            {
                ChatTool.CreateFunctionTool("get_weather", "Weather", BinaryData.FromString("""{"type":"object"}""")),
                ChatTool.CreateFunctionTool("get_time", "Time", BinaryData.FromString("""{"type":"object"}""")),
            },
        };
        ChatCompletion whole = await client.CompleteChatAsync([new UserChatMessage("go")], options);
        Assert.Equal(2, whole.ToolCalls.Count);

        var names = new Dictionary<int, string>();
        var ids = new Dictionary<int, string>();
        var args = new Dictionary<int, StringBuilder>();
        var updates = 0;
        ChatFinishReason? finish = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("go")], options))
        {
            finish ??= update.FinishReason;
            foreach (StreamingChatToolCallUpdate part in update.ToolCallUpdates)
            {
                if (part.FunctionName is { } name) names[part.Index] = name;
                if (part.ToolCallId is { } id) ids[part.Index] = id;
                if (!args.TryGetValue(part.Index, out var builder)) args[part.Index] = builder = new StringBuilder();
                if (part.FunctionArgumentsUpdate is { } a && !a.ToMemory().IsEmpty)
                {
                    builder.Append(a.ToString());
                    updates++;
                }
            }
        }
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.True(updates > 20, $"{updates} argument updates");
        for (var i = 0; i < whole.ToolCalls.Count; i++)
        {
            Assert.Equal(whole.ToolCalls[i].FunctionName, names[i]);
            Assert.StartsWith("call_", ids[i], StringComparison.Ordinal);
            Assert.Equal(whole.ToolCalls[i].FunctionArguments.ToString(), args[i].ToString());
        }
        Assert.Equal("{\"city\":\"Kraków\",\"when\":{\"day\":\"mon\"}}", args[0].ToString());
    }

    [Fact]
    public async Task Sdk_UnknownModelAndBadKey_ClientResultExceptionWithStatus()
    {
        await using var server = await GatewayServer.StartAsync(options: new GatewayOptions { ApiKey = "sk-right" });
        var wrongKey = await Assert.ThrowsAsync<ClientResultException>(() => Client(server, "sk-wrong").CompleteChatAsync([new UserChatMessage("x")]));
        Assert.Equal(401, wrongKey.Status);
        var other = new ChatClient("other-model", new ApiKeyCredential("sk-right"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "/v1") });
        var missing = await Assert.ThrowsAsync<ClientResultException>(() => other.CompleteChatAsync([new UserChatMessage("x")]));
        Assert.Equal(404, missing.Status);
        Assert.Contains("model_not_found", missing.Message, StringComparison.Ordinal);
    }
}
