using System.Net;
using System.Text.Json.Nodes;
using DynamoOrleans.Gateway.Tests.Fakes;
using DynamoOrleans.Gateway.Tests.Metrics;

namespace DynamoOrleans.Gateway.Tests.Http;

public sealed class ErrorAndInfoHttpTests
{
    private static async Task<(HttpStatusCode Status, JsonObject Error)> ErrorOf(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonNode.Parse(body)!["error"]!.AsObject();
        Assert.True(error.ContainsKey("message") && error.ContainsKey("type") && error.ContainsKey("param") && error.ContainsKey("code"), body);
        return (response.StatusCode, error);
    }

    [Theory]
    [InlineData("{not json", 400, "invalid_json")]
    [InlineData("[1,2]", 400, "invalid_json")]
    [InlineData("", 400, "invalid_json")]
    [InlineData("""{"model":"nope","messages":[{"role":"user","content":"x"}]}""", 404, "model_not_found")]
    [InlineData("""{"model":"fake-model","messages":[]}""", 400, "invalid_value")]
    [InlineData("""{"model":"fake-model","messages":[{"role":"user","content":"x"}],"max_tokens":100000}""", 400, "context_length_exceeded")]
    [InlineData("""{"model":"fake-model","messages":[{"role":"user","content":"x"}],"temperature":1e999}""", 400, "invalid_value")]
    [InlineData("""{"model":"fake-model","messages":[{"role":"user","content":"x"}],"n":17}""", 400, "invalid_value")]
    public async Task Chat_BadRequest_OpenAiErrorShape(string body, int status, string code)
    {
        await using var server = await GatewayServer.StartAsync();
        using var response = await Sse.PostAsync(server.Client, "/v1/chat/completions", body);
        var (actual, error) = await ErrorOf(response);
        Assert.Equal(status, (int)actual);
        Assert.Equal(code, error["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Chat_PromptLongerThanContext_400()
    {
        await using var server = await GatewayServer.StartAsync(new ScriptedEngine(maxContext: 64));
        using var response = await Sse.PostAsync(server.Client, "/v1/chat/completions", $$"""{"model":"fake-model","messages":[{"role":"user","content":"{{new string('a', 100)}}"}]}""");
        var (status, error) = await ErrorOf(response);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("context_length_exceeded", error["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task BodyOverLimit_413InOpenAiShape()
    {
        await using var server = await GatewayServer.StartAsync(options: new GatewayOptions { MaxRequestBodyBytes = 2048 });
        using var response = await Sse.PostAsync(server.Client, "/v1/chat/completions", $$"""{"model":"fake-model","messages":[{"role":"user","content":"{{new string('a', 5000)}}"}]}""");
        var (status, error) = await ErrorOf(response);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("request_too_large", error["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task UnknownRouteAndWrongMethod_SameShape()
    {
        await using var server = await GatewayServer.StartAsync();
        var (status, error) = await ErrorOf(await server.Client.GetAsync("/v1/nothing"));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("unknown_url", error["code"]!.GetValue<string>());
        (status, _) = await ErrorOf(await server.Client.GetAsync("/v1/chat/completions"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, status);
    }

    [Fact]
    public async Task ApiKey_MissingOrWrong_401_RightKey_200_HealthOpen()
    {
        await using var server = await GatewayServer.StartAsync(options: new GatewayOptions { ApiKey = "sk-test" });
        const string body = """{"model":"fake-model","messages":[{"role":"user","content":"x"}]}""";
        var (status, error) = await ErrorOf(await Sse.PostAsync(server.Client, "/v1/chat/completions", body));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_api_key", error["code"]!.GetValue<string>());
        (status, _) = await ErrorOf(await Sse.PostAsync(server.Client, "/v1/chat/completions", body, apiKey: "sk-wrong"));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        (status, _) = await ErrorOf(await server.Client.GetAsync("/v1/models"));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        using var ok = await Sse.PostAsync(server.Client, "/v1/chat/completions", body, apiKey: "sk-test");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task ModelsHealthLiveOpenApi_Answer()
    {
        await using var server = await GatewayServer.StartAsync(options: new GatewayOptions { ServedModelName = "demo" });
        var models = JsonNode.Parse(await server.Client.GetStringAsync("/v1/models"))!;
        Assert.Equal("demo", models["data"]![0]!["id"]!.GetValue<string>());
        Assert.Equal("healthy", JsonNode.Parse(await server.Client.GetStringAsync("/health"))!["status"]!.GetValue<string>());
        Assert.Equal("live", JsonNode.Parse(await server.Client.GetStringAsync("/live"))!["status"]!.GetValue<string>());
        var openapi = JsonNode.Parse(await server.Client.GetStringAsync("/openapi.json"))!;
        Assert.Equal("3.1.0", openapi["openapi"]!.GetValue<string>());
        foreach (var path in new[] { "/v1/chat/completions", "/v1/completions", "/v1/models", "/health", "/live", "/metrics" })
            Assert.NotNull(openapi["paths"]![path]);
        var response = await Sse.PostJsonAsync(server.Client, "/v1/chat/completions", """{"model":"demo","messages":[{"role":"user","content":"x"}]}""");
        Assert.Equal("demo", response["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Metrics_AfterTraffic_ParseAndCount()
    {
        await using var server = await GatewayServer.StartAsync();
        await Sse.PostJsonAsync(server.Client, "/v1/chat/completions", """{"model":"fake-model","messages":[{"role":"user","content":"x"}]}""");
        await Sse.PostStreamAsync(server.Client, "/v1/completions", """{"model":"fake-model","prompt":"x","stream":true}""");
        (await Sse.PostAsync(server.Client, "/v1/chat/completions", "{")).Dispose();
        using var response = await server.Client.GetAsync("/metrics");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var samples = PrometheusText.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(1, PrometheusText.Value(samples, "dynamo_frontend_requests_total", "{endpoint=\"chat_completions\",status=\"200\"}"));
        Assert.Equal(1, PrometheusText.Value(samples, "dynamo_frontend_requests_total", "{endpoint=\"chat_completions\",status=\"400\"}"));
        Assert.Equal(1, PrometheusText.Value(samples, "dynamo_frontend_requests_total", "{endpoint=\"completions\",status=\"200\"}"));
        Assert.Equal(2, PrometheusText.Value(samples, "dynamo_frontend_time_to_first_token_seconds_count"));
        Assert.Equal(2, PrometheusText.Value(samples, "dynamo_frontend_output_sequence_tokens_count"));
        Assert.True(PrometheusText.Value(samples, "dynamo_frontend_inter_token_latency_seconds_count") > 10);
        Assert.Equal(0, PrometheusText.Value(samples, "dynamo_frontend_active_requests"));
        Assert.Equal(0, PrometheusText.Value(samples, "dynamo_frontend_queued_requests"));
        Assert.Equal(100, PrometheusText.Value(samples, "dynamo_engine_kv_blocks_total", "{model=\"fake-model\"}"));
    }
}
