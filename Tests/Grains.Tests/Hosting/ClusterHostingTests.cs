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
/// The processes of a cluster, in-process: a real redis-server, silos (<see cref="SiloHost"/>) and a gateway
/// (<see cref="ClusterGatewayHost"/>) on loopback, driven over HTTP as a client would.
/// </summary>
public sealed class ClusterHostingTests
{
    private static readonly ClusterOptions FastCluster = new() { WatchInterval = TimeSpan.FromMilliseconds(100) };

    [RedisFact]
    public async Task ChatCompletion_ThroughGatewayAndSilos_Works()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var siloA = await StartSiloAsync(redis, "silo-a");
        await using var siloB = await StartSiloAsync(redis, "silo-b");
        await using var gateway = await StartGatewayAsync(redis);
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };

        using var response = await PostChatAsync(http, maxTokens: 8, stream: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(8, body["usage"]!["completion_tokens"]!.GetValue<int>());
        await DemoEngine.WaitUntilAsync(() => gateway.Engine.NumWorkers == 2, "both silos in the gateway");
    }

    [RedisFact]
    public async Task SiloStoppedMidStream_StreamCompletesThroughMigration()
    {
        await using var redis = await RedisServer.StartAsync();
        var silos = new[] { await StartSiloAsync(redis, "silo-a"), await StartSiloAsync(redis, "silo-b") };
        try
        {
            await using var gateway = await StartGatewayAsync(redis);
            await DemoEngine.WaitUntilAsync(() => gateway.Engine.NumWorkers == 2, "both silos in the gateway");
            using var http = new HttpClient { BaseAddress = gateway.BaseAddress };

            using var response = await PostChatAsync(http, maxTokens: 400, stream: true);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
            var chunks = 0;
            var killed = false;
            string? finish = null;
            string? error = null;
            while (await reader.ReadLineAsync() is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal) || line == "data: [DONE]") continue;
                var json = JsonNode.Parse(line["data: ".Length..])!;
                if (json["error"] is { } e) error = e.ToJsonString();
                if (json["choices"] is JsonArray { Count: > 0 } choices && choices[0]!["finish_reason"] is { } f) finish = f.GetValue<string>();
                if (++chunks == 5 && !killed)
                {
                    // Stop whichever silo serves the stream; the gateway must finish it on the other.
                    var serving = silos.Single(s => s.Service.NumInFlight > 0);
                    await serving.DisposeAsync();
                    killed = true;
                }
            }

            Assert.True(killed);
            Assert.Null(error);
            Assert.Equal("length", finish);
            Assert.True(gateway.Engine.NumMigrations >= 1, "the stream was migrated");
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
    }

    [RedisFact]
    public async Task SiloAddedLater_JoinsAndTakesTraffic()
    {
        await using var redis = await RedisServer.StartAsync();
        var first = await StartSiloAsync(redis, "silo-a");
        try
        {
            await using var gateway = await StartGatewayAsync(redis);
            await using var later = await StartSiloAsync(redis, "silo-late");
            await DemoEngine.WaitUntilAsync(() => gateway.Engine.NumWorkers == 2, "the late silo in the gateway");

            // With the first silo gone, only the late one can answer.
            await first.StopAsync(TimeSpan.FromSeconds(5));
            await DemoEngine.WaitUntilAsync(() => gateway.Engine.NumWorkers == 1, "the first silo out of the gateway");
            using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
            using var response = await PostChatAsync(http, maxTokens: 4, stream: false);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("silo-late", Assert.Single(gateway.Engine.GetWorkers()).Id.Node);
        }
        finally
        {
            await first.DisposeAsync();
        }
    }

    [RedisFact]
    public async Task NoWorkerLeft_503ServiceUnavailable()
    {
        await using var redis = await RedisServer.StartAsync();
        var silo = await StartSiloAsync(redis, "silo-a");
        await using var gateway = await StartGatewayAsync(redis);
        await silo.DisposeAsync();
        await DemoEngine.WaitUntilAsync(() => gateway.Engine.NumWorkers == 0, "the silo out of the gateway");
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };

        using var response = await PostChatAsync(http, maxTokens: 4, stream: false);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("service_unavailable", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["type"]!.GetValue<string>());
    }

    private static Task<SiloHost> StartSiloAsync(RedisServer redis, string node, string model = "demo", int blockSize = 16) => SiloHost.StartAsync(new SiloHostOptions
    {
        Redis = "127.0.0.1:" + redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ModelFolder = DemoModel.EnsureFolder(),
        Node = node,
        Port = 0,
        Engine = new EngineOptions { ModelName = model, Seed = 1, BlockSize = blockSize },
        Cluster = FastCluster,
        LoadInterval = TimeSpan.FromMilliseconds(200),
    });

    private static Task<ClusterGatewayHost> StartGatewayAsync(RedisServer redis, bool withModelDir = true) => ClusterGatewayHost.StartAsync(new ClusterGatewayHostOptions
    {
        Redis = "127.0.0.1:" + redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ModelFolder = withModelDir ? DemoModel.EnsureFolder() : null,
        Gateway = new GatewayOptions { Host = "127.0.0.1", Port = 0 },
        Routing = new RoutedEngineClientOptions { Router = new KvRouterOptions { Mode = "kv" } },
        Worker = new RemoteEngineClientOptions { LoadPollInterval = TimeSpan.FromMilliseconds(200) },
        Cluster = FastCluster,
        FirstWorkerTimeout = TimeSpan.FromSeconds(10),
    });

    private static Task<HttpResponseMessage> PostChatAsync(HttpClient http, int maxTokens, bool stream, string model = "demo")
    {
        var body = $$"""{"model":"{{model}}","messages":[{"role":"user","content":"tell me a long story"}],"max_tokens":{{maxTokens}},"ignore_eos":true,"temperature":0,"stream":{{(stream ? "true" : "false")}}}""";
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        return http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
