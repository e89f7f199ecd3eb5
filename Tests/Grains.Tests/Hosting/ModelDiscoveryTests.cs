using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using DynamoOrleans.Cluster;
using DynamoOrleans.Cluster.Tests.Fixtures;
using DynamoOrleans.Engine.Models.Demo;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway;
using DynamoOrleans.Grains.Hosting;
using DynamoOrleans.Grains.Requests;
using DynamoOrleans.Grains.Tests.Fixtures;
using DynamoOrleans.Grains.Worker;
using DynamoOrleans.Routing;

namespace DynamoOrleans.Grains.Tests.Hosting;

/// <summary>
/// A gateway started without a model folder, over a real redis-server and in-process silos of the demo model: it
/// learns the models from the workers' cards and their tokenizer and chat template from the files the silos publish.
/// </summary>
public sealed class ModelDiscoveryTests
{
    private static readonly ClusterOptions FastCluster = new() { WatchInterval = TimeSpan.FromMilliseconds(100) };

    [RedisFact]
    public async Task GatewayWithoutModelDir_ListsServesAndRefusesAsOpenAiDoes()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var silo = await StartSiloAsync(redis, "silo-a", "demo");
        await using var misfit = await StartSiloAsync(redis, "silo-32", "demo", blockSize: 32);
        await using var gateway = await StartGatewayAsync(redis);
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };

        var models = JsonNode.Parse(await http.GetStringAsync("v1/models"))!;
        using var chat = await PostChatAsync(http, "demo", maxTokens: 6);
        using var unknown = await PostChatAsync(http, "no-such-model", maxTokens: 6);
        await DemoEngine.WaitUntilAsync(() => gateway.Models.Refused.Count == 1, "the 32-token-block silo refused");
        var health = JsonNode.Parse(await http.GetStringAsync("health"))!;

        Assert.Equal("list", models["object"]!.GetValue<string>());
        var listed = Assert.Single(models["data"]!.AsArray())!;
        Assert.Equal(("demo", "model"), (listed["id"]!.GetValue<string>(), listed["object"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        Assert.Equal(6, JsonNode.Parse(await chat.Content.ReadAsStringAsync())!["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var error = JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!["error"]!.AsObject();
        Assert.Equal(["message", "type", "param", "code"], error.Select(p => p.Key));
        Assert.Equal(("invalid_request_error", "model", "model_not_found"),
            (error["type"]!.GetValue<string>(), error["param"]!.GetValue<string>(), error["code"]!.GetValue<string>()));
        var refused = Assert.Single(health["refused_workers"]!.AsArray())!;
        Assert.Equal("silo-32/0", refused["id"]!.GetValue<string>());
        Assert.Contains("its block size is '32' but the gateway's --block-size is '16'", refused["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("ready", Assert.Single(health["models"]!.AsArray())!["state"]!.GetValue<string>());
    }

    [RedisFact]
    public async Task TwoModels_EachRequestGoesToItsModelsWorkers_AndAModelWhoseWorkersLeftIs404()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var first = await StartSiloAsync(redis, "silo-a", "demo");
        var second = await StartSiloAsync(redis, "silo-b", "demo-two");
        try
        {
            await using var gateway = await StartGatewayAsync(redis);
            using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
            await DemoEngine.WaitUntilAsync(() => gateway.Served.List().Count == 2, "both models served");

            // A long stream to the second model: while it runs, only that model's silo has a request in flight.
            using (var response = await PostChatAsync(http, "demo-two", maxTokens: 300, stream: true))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
                for (var chunks = 0; chunks < 3 && await reader.ReadLineAsync() is { } line;)
                    if (line.StartsWith("data: ", StringComparison.Ordinal)) chunks++;
                Assert.Equal((0, 1), (first.Service.NumInFlight, second.Service.NumInFlight));
            }
            var listed = JsonNode.Parse(await http.GetStringAsync("v1/models"))!["data"]!.AsArray().Select(m => m!["id"]!.GetValue<string>());
            Assert.Equal(["demo", "demo-two"], listed);

            await second.StopAsync(TimeSpan.FromSeconds(5));
            await DemoEngine.WaitUntilAsync(() => gateway.NumWorkers == 1, "the second model's silo out of the gateway");
            using var gone = await PostChatAsync(http, "demo-two", maxTokens: 4);
            using var still = await PostChatAsync(http, "demo", maxTokens: 4);

            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            Assert.Equal("model_not_found", JsonNode.Parse(await gone.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
            Assert.Equal(HttpStatusCode.OK, still.StatusCode);
            Assert.Equal(["demo"], JsonNode.Parse(await http.GetStringAsync("v1/models"))!["data"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    private static Task<SiloHost> StartSiloAsync(RedisServer redis, string node, string model, int blockSize = 16) => SiloHost.StartAsync(new SiloHostOptions
    {
        Redis = "127.0.0.1:" + redis.Port.ToString(CultureInfo.InvariantCulture),
        ModelFolder = DemoModel.EnsureFolder(),
        Node = node,
        Port = 0,
        Engine = new EngineOptions { ModelName = model, Seed = 1, BlockSize = blockSize },
        Cluster = FastCluster,
        LoadInterval = TimeSpan.FromMilliseconds(200),
    });

    private static Task<ClusterGatewayHost> StartGatewayAsync(RedisServer redis) => ClusterGatewayHost.StartAsync(new ClusterGatewayHostOptions
    {
        Redis = "127.0.0.1:" + redis.Port.ToString(CultureInfo.InvariantCulture),
        Gateway = new GatewayOptions { Host = "127.0.0.1", Port = 0 },
        Routing = new RoutedEngineClientOptions { Router = new KvRouterOptions { Mode = "kv" } },
        Worker = new RemoteEngineClientOptions { LoadPollInterval = TimeSpan.FromMilliseconds(200) },
        Cluster = FastCluster,
        FirstWorkerTimeout = TimeSpan.FromSeconds(20),
    });

    private static Task<HttpResponseMessage> PostChatAsync(HttpClient http, string model, int maxTokens, bool stream = false)
    {
        var body = $$"""{"model":"{{model}}","messages":[{"role":"user","content":"tell me a long story"}],"max_tokens":{{maxTokens}},"ignore_eos":true,"temperature":0,"stream":{{(stream ? "true" : "false")}}}""";
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        return http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
