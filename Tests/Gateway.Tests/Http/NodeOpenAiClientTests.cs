using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Tests.Fakes;

namespace DynamoOrleans.Gateway.Tests.Http;

/// <summary>The npm <c>openai</c> package (installed once into a cache folder) against the gateway.</summary>
public sealed class NodeOpenAiClientTests
{
    [Fact]
    public async Task NpmOpenAi_ChatStreamToolsCompletionsAndErrors()
    {
        var dir = await NodeOpenAi.EnsurePackageAsync();
        File.Copy(Path.Combine(AppContext.BaseDirectory, "node", "openai-client.mjs"), Path.Combine(dir, "openai-client.mjs"), overwrite: true);
        var engine = new ScriptedEngine(Script);
        await using var server = await GatewayServer.StartAsync(engine, new GatewayOptions { ApiKey = "sk-node" });

        var (code, stdout, stderr) = await NodeOpenAi.RunAsync("node", dir, null, "openai-client.mjs", new Uri(server.BaseAddress, "/v1").ToString(), "sk-node");
        Assert.True(code == 0, $"node exited {code}: {stderr}\n{stdout}");
        var result = JsonNode.Parse(stdout.Trim().Split('\n')[^1])!;
        Assert.Equal("fake-model", result["models"]![0]!.GetValue<string>());
        Assert.Equal("Hello from node land.", result["chat"]!.GetValue<string>());
        Assert.Equal(22, result["streamUsage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal("get_weather", result["toolCall"]!["name"]!.GetValue<string>());
        Assert.Equal("Paris", JsonNode.Parse(result["toolCall"]!["arguments"]!.GetValue<string>())!["city"]!.GetValue<string>());
        Assert.Equal("tool_calls", result["toolFinish"]!.GetValue<string>());
        Assert.Equal("{\"city\":\"Paris\"}".Length, result["toolFragments"]!.GetValue<int>());
        Assert.Equal("Hello", result["completion"]!.GetValue<string>());
        Assert.Equal(5, result["completionLogprobs"]!.GetValue<int>());
        Assert.Equal(404, result["missingModel"]!["status"]!.GetValue<int>());
        Assert.Equal("model_not_found", result["missingModel"]!["code"]!.GetValue<string>());
    }

    private static string Script(GenerateRequest request) =>
        ScriptedEngine.PromptText(request).Contains("<tools>", StringComparison.Ordinal)
            ? "<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}</tool_call>"
            : "Hello from node land.";
}
