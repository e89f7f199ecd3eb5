using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DynamoOrleans.Gateway.Tests.Fakes;

namespace DynamoOrleans.Gateway.Tests.Http;

public sealed class LoadAndFuzzTests
{
    [Theory]
    [InlineData(1234)]
    [InlineData(42)]
    [InlineData(7)]
    public async Task MutatedBadRequests_NeverServerErrorAndServerStaysHealthy(int seed)
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(_ => "ok"));
        await RequestFuzzer.RunAsync(server.Client, "fake-model", seed, 300);
        var ok = await Sse.PostJsonAsync(server.Client, "/v1/chat/completions", """{"model":"fake-model","messages":[{"role":"user","content":"x"}]}""");
        Assert.Equal("ok", ok["choices"]![0]!["message"]!["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task Concurrent200Streams_AllCompleteWithCorrectUsage()
    {
        var engine = new ScriptedEngine(r => "reply " + ScriptedEngine.PromptText(r).Split("user\n")[1].Split('<')[0]) { TokenDelay = TimeSpan.FromMilliseconds(1) };
        await using var server = await GatewayServer.StartAsync(engine);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256 };
        using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        var tasks = Enumerable.Range(0, 200).Select(async i =>
        {
            var chunks = await Sse.PostStreamAsync(client, "/v1/chat/completions",
                $$$"""{"model":"fake-model","messages":[{"role":"user","content":"n{{{i}}}"}],"stream":true,"stream_options":{"include_usage":true}}""");
            var expected = $"reply n{i}";
            Assert.Equal(expected, Sse.Join(chunks, "content"));
            Assert.Equal(expected.Length + 1, chunks[^1]["usage"]!["completion_tokens"]!.GetValue<int>());
        });
        await Task.WhenAll(tasks);
        var metrics = await server.Client.GetStringAsync("/metrics");
        Assert.Contains("dynamo_frontend_requests_total{endpoint=\"chat_completions\",status=\"200\"} 200\n", metrics, StringComparison.Ordinal);
        Assert.Contains("dynamo_frontend_active_requests 0\n", metrics, StringComparison.Ordinal);
    }
}
