using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DynamoOrleans.Cluster;
using DynamoOrleans.Engine.Models.Demo;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway;
using DynamoOrleans.Grains.Hosting;
using DynamoOrleans.Grains.Requests;
using DynamoOrleans.Grains.Worker;
using DynamoOrleans.Routing;

namespace DynamoOrleans.Serving.Bench;

/// <summary>
/// KV-aware routing against round-robin, end to end: a real redis-server, three silos (SiloHost: CPU
/// engine on the demo model, worker API on Kestrel, KV events over Redis Streams) and a cluster
/// gateway (ClusterGatewayHost) per mode, all in this process on loopback. Each mode gets a fresh
/// redis-server and fresh silos, so every cache starts empty; the same shared-prefix workload (a few
/// long system prompts, each asked several short questions) goes through each. The hit rate is what
/// the engines report (usage.prompt_tokens_details.cached_tokens); TTFT is the first content chunk.
/// </summary>
public sealed class ClusterServingBenchmark : IBenchmark
{
    private const int Silos = 3;
    private static readonly string[] Modes = ["kv", "round-robin"];

    public string Name => "cluster-serving";

    public string Description => "TTFT and prefix hit rate, kv routing vs round-robin, through redis + 3 silos + cluster gateway (demo model)";

    public async Task RunAsync(string[] args, TextWriter output)
    {
        var prompts = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 8;
        var requests = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
        var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4;
        var rounds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 2;
        var folder = DemoModel.EnsureFolder();
        var bodies = Workload(prompts, requests);
        output.WriteLine($"workload: {prompts} system prompts of ~{SystemWords} words, {requests} requests (each prompt {requests / prompts}×, seeded order), {concurrency} in flight, max_tokens 4, streaming; {Silos} silos per mode, fresh redis-server and silos per mode; in-process hosts on loopback");
        output.WriteLine("round | mode | requests ok | prompt tokens | cached tokens | hit rate | prefill tokens computed | TTFT p50 / p90 (ms) | total p50 (ms) | wall (s)");
        output.WriteLine("--- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---:");
        var byMode = Modes.ToDictionary(m => m, _ => new List<Result>());
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var mode in Modes)
            {
                var result = await RunModeAsync(folder, mode, bodies, concurrency);
                byMode[mode].Add(result);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{round} | {mode} | {result.Ok} | {result.PromptTokens:N0} | {result.CachedTokens:N0} | {result.HitRate:P1} | {result.PromptTokens - result.CachedTokens:N0} | {Latencies.Ms(result.TtftP50)} / {Latencies.Ms(result.TtftP90)} | {Latencies.Ms(result.TotalP50)} | {result.WallSeconds:F1}"));
            }
        }
        for (var round = 0; round < rounds; round++)
        {
            var kv = byMode["kv"][round];
            var rr = byMode["round-robin"][round];
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round + 1}, kv / round-robin: hit rate {kv.HitRate:P1} vs {rr.HitRate:P1}; prefill tokens computed {(double)(kv.PromptTokens - kv.CachedTokens) / (rr.PromptTokens - rr.CachedTokens):F2}x; TTFT p50 {kv.TtftP50 / rr.TtftP50:F2}x, p90 {kv.TtftP90 / rr.TtftP90:F2}x"));
        }
    }

    private const int SystemWords = 110;

    /// <summary>Chat bodies: request i asks system prompt order[i] a question of its own.</summary>
    private static List<string> Workload(int prompts, int requests)
    {
        var random = new Random(7);
        var syllables = new[] { "ka", "lo", "mi", "ren", "to", "sa", "vel", "dun", "pri", "or", "ex", "ta", "mon", "gi", "ul" };
        string Word() => string.Concat(Enumerable.Range(0, random.Next(1, 4)).Select(_ => syllables[random.Next(syllables.Length)]));
        var systems = Enumerable.Range(0, prompts)
            .Select(p => $"You are assistant number {p}. " + string.Join(' ', Enumerable.Range(0, SystemWords).Select(_ => Word())))
            .ToArray();
        var order = Enumerable.Range(0, requests).Select(i => i % prompts).ToArray();
        random.Shuffle(order);
        var bodies = new List<string>(requests);
        for (var i = 0; i < requests; i++)
        {
            var messages = new object[]
            {
                new { role = "system", content = systems[order[i]] },
                new { role = "user", content = $"Question {i}: " + string.Join(' ', Enumerable.Range(0, 12).Select(_ => Word())) },
            };
            bodies.Add(JsonSerializer.Serialize(new
            {
                model = "demo", messages, max_tokens = 4, temperature = 0, ignore_eos = true, stream = true,
                stream_options = new { include_usage = true },
            }));
        }
        return bodies;
    }

    private sealed record Result(int Ok, long PromptTokens, long CachedTokens, double TtftP50, double TtftP90, double TotalP50, double WallSeconds)
    {
        public double HitRate => PromptTokens == 0 ? 0 : (double)CachedTokens / PromptTokens;
    }

    private static async Task<Result> RunModeAsync(string folder, string mode, List<string> bodies, int concurrency)
    {
        await using var redis = await RedisProcess.StartAsync();
        var cluster = new ClusterOptions { WatchInterval = TimeSpan.FromMilliseconds(100) };
        var silos = new List<SiloHost>();
        try
        {
            for (var s = 0; s < Silos; s++)
            {
                silos.Add(await SiloHost.StartAsync(new SiloHostOptions
                {
                    Redis = redis.Endpoint, ModelFolder = folder, Node = $"silo-{s}", Port = 0,
                    Engine = new EngineOptions { ModelName = DemoModel.Name, Seed = 1 }, Cluster = cluster, LoadInterval = TimeSpan.FromMilliseconds(200),
                }));
            }
            await using var gateway = await ClusterGatewayHost.StartAsync(new ClusterGatewayHostOptions
            {
                Redis = redis.Endpoint, ModelFolder = folder,
                Gateway = new GatewayOptions { Host = "127.0.0.1", Port = 0 },
                Routing = new RoutedEngineClientOptions { Router = new KvRouterOptions { Mode = mode } },
                Worker = new RemoteEngineClientOptions { LoadPollInterval = TimeSpan.FromMilliseconds(200) },
                Cluster = cluster, FirstWorkerTimeout = TimeSpan.FromSeconds(30),
            });
            var deadline = Stopwatch.StartNew();
            while (gateway.Engine.NumWorkers < Silos)
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(30))
                    throw new TimeoutException($"only {gateway.Engine.NumWorkers} of {Silos} silos joined the gateway");
                await Task.Delay(50);
            }
            using var http = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
            var results = new ChatStreamResult[bodies.Count];
            var started = new long[bodies.Count];
            var next = -1;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                for (var i = Interlocked.Increment(ref next); i < bodies.Count; i = Interlocked.Increment(ref next))
                {
                    started[i] = Stopwatch.GetTimestamp();
                    results[i] = await ChatStream.PostAsync(http, bodies[i], CancellationToken.None);
                }
            })));
            var wall = clock.Elapsed.TotalSeconds;
            var ok = Enumerable.Range(0, bodies.Count).Where(i => results[i].Ok && results[i].FirstContent != 0).ToList();
            var ttft = Latencies.Sorted(ok.Select(i => Stopwatch.GetElapsedTime(started[i], results[i].FirstContent).TotalMicroseconds));
            var total = Latencies.Sorted(ok.Select(i => Stopwatch.GetElapsedTime(started[i], results[i].End).TotalMicroseconds));
            return new Result(ok.Count, ok.Sum(i => (long)results[i].PromptTokens), ok.Sum(i => (long)results[i].CachedTokens),
                Latencies.Percentile(ttft, 50), Latencies.Percentile(ttft, 90), Latencies.Percentile(total, 50), wall);
        }
        finally
        {
            foreach (var silo in silos)
                await silo.DisposeAsync();
        }
    }
}
