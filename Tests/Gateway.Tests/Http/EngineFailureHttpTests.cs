using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Tests.Fakes;

namespace DynamoOrleans.Gateway.Tests.Http;

public sealed class EngineFailureHttpTests
{
    private const string Body = """{"model":"fake-model","messages":[{"role":"user","content":"x"}]""";

    [Fact]
    public async Task EngineThrowsBeforeFirstToken_500InOpenAiShape()
    {
        await using var server = await GatewayServer.StartAsync(new FailingEngine(tokensBeforeFailure: 0));
        using var response = await Sse.PostAsync(server.Client, "/v1/chat/completions", Body + "}");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("server_error", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task EngineThrowsMidStream_ErrorEventThenDone()
    {
        await using var server = await GatewayServer.StartAsync(new FailingEngine(tokensBeforeFailure: 3));
        using var response = await Sse.PostAsync(server.Client, "/v1/chat/completions", Body + ""","stream":true}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = Sse.ParseEvents(await response.Content.ReadAsStringAsync());
        Assert.Equal("server_error", events[^1]["error"]!["type"]!.GetValue<string>());
        Assert.Equal("aaa", Sse.Join(events[..^1], "content"));
    }

    [Theory]
    [InlineData(FinishReason.Error, 500)]
    [InlineData(FinishReason.Cancelled, 503)]
    public async Task EngineCutsRequestShort_ErrorStatusNotAFinishReason(FinishReason finish, int status)
    {
        await using var server = await GatewayServer.StartAsync(new FailingEngine(tokensBeforeFailure: 2, finalFinish: finish));
        using var response = await Sse.PostAsync(server.Client, "/v1/chat/completions", Body + "}");
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("server_error", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task EngineUnavailableBeforeFirstToken_503ServiceUnavailable()
    {
        await using var server = await GatewayServer.StartAsync(new FailingEngine(tokensBeforeFailure: 0, unavailable: true));
        using var response = await Sse.PostAsync(server.Client, "/v1/chat/completions", Body + "}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("service_unavailable", error["type"]!.GetValue<string>());
        Assert.Equal("no_worker_available", error["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task EngineUnavailableMidStream_ServiceUnavailableErrorEventThenDone()
    {
        await using var server = await GatewayServer.StartAsync(new FailingEngine(tokensBeforeFailure: 3, unavailable: true));
        using var response = await Sse.PostAsync(server.Client, "/v1/chat/completions", Body + ""","stream":true}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = Sse.ParseEvents(await response.Content.ReadAsStringAsync());
        Assert.Equal("service_unavailable", events[^1]["error"]!["type"]!.GetValue<string>());
        Assert.Equal("aaa", Sse.Join(events[..^1], "content"));
    }

    [Fact]
    public async Task OverActiveLimit_503ThenRecovers()
    {
        var engine = new ScriptedEngine(_ => new string('x', 200)) { TokenDelay = TimeSpan.FromMilliseconds(5) };
        await using var server = await GatewayServer.StartAsync(engine, new GatewayOptions { MaxActiveRequests = 1 });
        var slow = Sse.PostAsync(server.Client, "/v1/chat/completions", Body + ""","max_tokens":100}""");
        await ChatHttpTests.WaitForAsync(() => engine.GetLoad().NumRunning == 1);
        using (var rejected = await Sse.PostAsync(server.Client, "/v1/chat/completions", Body + "}"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, rejected.StatusCode);
            Assert.Equal("server_overloaded", JsonNode.Parse(await rejected.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
        }
        using (var first = await slow) Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var later = await Sse.PostAsync(server.Client, "/v1/chat/completions", Body + ""","max_tokens":2}""");
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }

    private sealed class FailingEngine(int tokensBeforeFailure, FinishReason? finalFinish = null, bool unavailable = false) : IEngineClient
    {
        public ModelCard Model { get; } = new("fake-model", 4096, 16, 259, [2]);

        public async IAsyncEnumerable<TokenOutput> GenerateAsync(GenerateRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            for (var i = 0; i < tokensBeforeFailure; i++)
            {
                await Task.Yield();
                yield return new TokenOutput('a' + 3, null);
            }
            if (finalFinish is { } finish)
            {
                yield return new TokenOutput(-1, finish);
                yield break;
            }
            if (unavailable) throw new NoCapacityException();
            throw new InvalidProgramException("simulated engine fault");
        }

        public EngineLoad GetLoad() => default;
    }

    private sealed class NoCapacityException() : EngineUnavailableException("no worker is available", "no_worker_available");
}
