using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway;
using DynamoOrleans.Gateway.Hosting;
using DynamoOrleans.Gateway.Preprocessing;
using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Grains.Requests;
using DynamoOrleans.Grains.Worker;
using DynamoOrleans.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DynamoOrleans.Serving.Bench;

/// <summary>
/// What the cluster gateway adds to a request at a fixed rate. One worker (WorkerService on Kestrel,
/// HTTP/2, over a no-compute engine) is called two ways at the same open-loop rate: straight through
/// its gRPC API (RemoteEngineClient), the baseline, and as a client calls the cluster (streaming HTTP
/// chat completion → GatewayHost → RoutedEngineClient in kv mode → RemoteEngineClient → gRPC). The
/// two alternate in phases so that the machine's load drifts onto both alike. All in one process, on loopback.
/// </summary>
public sealed class GatewayLatencyBenchmark : IBenchmark
{
    public string Name => "gateway-latency";

    public string Description => "gateway added latency at a fixed request rate: worker gRPC API direct vs HTTP gateway → router → gRPC (open loop)";

    public async Task RunAsync(string[] args, TextWriter output)
    {
        var rate = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 16;
        var maxTokens = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4;
        var engine = new FakeEngine();
        var preprocessor = new ByteLevelPreprocessor();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        await using var worker = builder.Build();
        worker.MapWorkerService(new WorkerService(engine));
        await worker.StartAsync();
        var address = new Uri(worker.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        // The baseline client and the gateway's own client each hold their own HTTP/2 connection, as two processes would.
        await using var direct = await RemoteEngineClient.ConnectAsync(address);
        await using var gatewayToWorker = await RemoteEngineClient.ConnectAsync(address);
        var routed = new RoutedEngineClient(new RoutedEngineClientOptions { Router = new KvRouterOptions { Mode = "kv" } });
        routed.AddWorker(new WorkerCard(new WorkerId("bench", 0), engine.Model.Name, "bench", engine.Model.BlockSize, engine.Model.MaxContextLength, 4096,
            WorkerRole.Aggregated, address.ToString()), gatewayToWorker);
        await using var gateway = await GatewayHost.CreateAsync(new GatewayOptions { Host = "127.0.0.1", Port = 0 }, routed, preprocessor);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 }) { BaseAddress = GatewayHost.BaseAddress(gateway), Timeout = TimeSpan.FromSeconds(30) };

        // The direct path gets exactly the token ids the gateway renders for the chat request.
        var prompt = preprocessor.RenderChat(new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hello" }), null, new Dictionary<string, JsonNode?>()).TokenIds;
        var body = $$"""{"model":"{{engine.Model.Name}}","messages":[{"role":"user","content":"hello"}],"max_tokens":{{maxTokens}},"ignore_eos":true,"stream":true}""";
        var sampling = new SamplingParams { MaxTokens = maxTokens, IgnoreEos = true };

        async Task<(long, bool)> SendDirectAsync(int i)
        {
            long first = 0;
            var n = 0;
            try
            {
                await foreach (var _ in direct.GenerateAsync(new GenerateRequest("direct-" + i.ToString(CultureInfo.InvariantCulture), prompt, sampling), CancellationToken.None).ConfigureAwait(false))
                    if (n++ == 0) first = Stopwatch.GetTimestamp();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return (first, false);
            }
            return (first, n == maxTokens);
        }

        async Task<(long, bool)> SendGatewayAsync(int i)
        {
            var result = await ChatStream.PostAsync(http, body, CancellationToken.None).ConfigureAwait(false);
            return (result.FirstContent, result.Ok);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load: {rate:F0} requests/s, open loop (constant arrivals), {seconds:F0} s per path in 4 alternating phases after 2 s of warm-up each; streaming, max_tokens {maxTokens}, no-compute engine; in-process Kestrel servers on loopback"));
        await OpenLoop.RunAsync(rate, TimeSpan.FromSeconds(2), SendDirectAsync);
        await OpenLoop.RunAsync(rate, TimeSpan.FromSeconds(2), SendGatewayAsync);
        var directSamples = new List<OpenLoopSample>();
        var gatewaySamples = new List<OpenLoopSample>();
        var directSeconds = 0.0;
        var gatewaySeconds = 0.0;
        for (var phase = 0; phase < 4; phase++)
        {
            var isDirect = phase % 2 == 0;
            var clock = Stopwatch.StartNew();
            var samples = await OpenLoop.RunAsync(rate, TimeSpan.FromSeconds(seconds / 2), isDirect ? SendDirectAsync : SendGatewayAsync);
            (isDirect ? directSamples : gatewaySamples).AddRange(samples);
            if (isDirect) directSeconds += clock.Elapsed.TotalSeconds; else gatewaySeconds += clock.Elapsed.TotalSeconds;
        }

        var d = Summarize(directSamples, directSeconds);
        var g = Summarize(gatewaySamples, gatewaySeconds);
        output.WriteLine("path | requests | errors | achieved req/s | TTFT p50 / p90 / p99 (ms) | total p50 / p90 / p99 (ms) | generator lag p99 (ms)");
        output.WriteLine("--- | ---: | ---: | ---: | --- | --- | ---:");
        Row(output, "direct: RemoteEngineClient → gRPC worker (baseline)", d);
        Row(output, "gateway: HTTP SSE → RoutedEngineClient (kv) → gRPC worker", g);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"added by the gateway (gateway − direct), TTFT p50 / p90 / p99: {Latencies.Ms(g.Ttft[0] - d.Ttft[0])} / {Latencies.Ms(g.Ttft[1] - d.Ttft[1])} / {Latencies.Ms(g.Ttft[2] - d.Ttft[2])} ms; total: {Latencies.Ms(g.Total[0] - d.Total[0])} / {Latencies.Ms(g.Total[1] - d.Total[1])} / {Latencies.Ms(g.Total[2] - d.Total[2])} ms; gateway / direct at p50 total: {g.Total[0] / d.Total[0]:F1}x"));
    }

    private sealed record Summary(int Requests, int Errors, double Rate, double[] Ttft, double[] Total, double LagP99);

    private static Summary Summarize(List<OpenLoopSample> samples, double seconds)
    {
        var ok = samples.Where(s => s.Ok).ToList();
        var ttft = Latencies.Sorted(ok.Select(s => s.FirstTokenUs));
        var total = Latencies.Sorted(ok.Select(s => s.TotalUs));
        var lag = Latencies.Sorted(samples.Select(s => Stopwatch.GetElapsedTime(s.Due, s.Started).TotalMicroseconds));
        double[] P(List<double> v) => [Latencies.Percentile(v, 50), Latencies.Percentile(v, 90), Latencies.Percentile(v, 99)];
        return new Summary(samples.Count, samples.Count - ok.Count, ok.Count / seconds, P(ttft), P(total), Latencies.Percentile(lag, 99));
    }

    private static void Row(TextWriter output, string name, Summary s) => output.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name} | {s.Requests:N0} | {s.Errors} | {s.Rate:F0} | {Latencies.Ms(s.Ttft[0])} / {Latencies.Ms(s.Ttft[1])} / {Latencies.Ms(s.Ttft[2])} | {Latencies.Ms(s.Total[0])} / {Latencies.Ms(s.Total[1])} / {Latencies.Ms(s.Total[2])} | {Latencies.Ms(s.LagP99)}"));
}
