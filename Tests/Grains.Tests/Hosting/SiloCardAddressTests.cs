using System.Globalization;
using System.Net;
using System.Text;
using DynamoOrleans.Cluster;
using DynamoOrleans.Cluster.Tests.Fixtures;
using DynamoOrleans.Engine.Models.Demo;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway;
using DynamoOrleans.Grains.Hosting;
using DynamoOrleans.Grains.Requests;
using DynamoOrleans.Grains.Tests.Fixtures;
using DynamoOrleans.Routing;

namespace DynamoOrleans.Grains.Tests.Hosting;

/// <summary>The address a silo's card advertises: the bound one, or <c>--advertise-address</c> with the bound port.</summary>
public sealed class SiloCardAddressTests
{
    [Theory]
    [InlineData("http://127.0.0.1:9100", null, "http://127.0.0.1:9100")]
    [InlineData("http://0.0.0.0:9100", "", "http://0.0.0.0:9100")]
    [InlineData("http://0.0.0.0:9100", "silo-1", "http://silo-1:9100")]
    [InlineData("http://[::]:41234", "10.0.0.5", "http://10.0.0.5:41234")]
    [InlineData("http://0.0.0.0:9100", "fd00::5", "http://[fd00::5]:9100")]
    public void CardAddress_AdvertiseAddressGiven_ReplacesOnlyTheHost(string bound, string? advertise, string expected) =>
        Assert.Equal(expected, SiloHost.CardAddress(bound, advertise));

    [RedisFact]
    public async Task Silo_ListeningOnWildcardWithAdvertiseAddress_CardNamesItAndGatewayServesThroughIt()
    {
        await using var redis = await RedisServer.StartAsync();
        var endpoint = "127.0.0.1:" + redis.Port.ToString(CultureInfo.InvariantCulture);
        var cluster = new ClusterOptions { WatchInterval = TimeSpan.FromMilliseconds(100) };
        await using var silo = await SiloHost.StartAsync(new SiloHostOptions
        {
            Redis = endpoint,
            ModelFolder = DemoModel.EnsureFolder(),
            Node = "silo-wild",
            Host = "0.0.0.0",
            AdvertiseAddress = "localhost",
            Port = 0,
            Engine = new EngineOptions { ModelName = "demo", Seed = 1 },
            Cluster = cluster,
        });
        Assert.Matches(@"^http://localhost:\d+$", silo.Card.Address);

        await using var gateway = await ClusterGatewayHost.StartAsync(new ClusterGatewayHostOptions
        {
            Redis = endpoint,
            ModelFolder = DemoModel.EnsureFolder(),
            Gateway = new GatewayOptions { Host = "127.0.0.1", Port = 0 },
            Routing = new RoutedEngineClientOptions { Router = new KvRouterOptions { Mode = "kv" } },
            Cluster = cluster,
            FirstWorkerTimeout = TimeSpan.FromSeconds(10),
        });
        await DemoEngine.WaitUntilAsync(() => gateway.Engine.NumWorkers == 1, "the silo in the gateway");
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        using var body = new StringContent("""{"model":"demo","messages":[{"role":"user","content":"hi"}],"max_tokens":4,"ignore_eos":true}""", Encoding.UTF8, "application/json");

        using var response = await http.PostAsync(new Uri("v1/chat/completions", UriKind.Relative), body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
