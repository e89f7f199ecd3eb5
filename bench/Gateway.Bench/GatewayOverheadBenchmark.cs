using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Hosting;
using DynamoOrleans.Gateway.Preprocessing;

namespace DynamoOrleans.Gateway.Bench;

/// <summary>
/// Measures what the gateway adds: (1) a one-token request, engine alone vs a non-streaming
/// chat request over loopback HTTP; (2) a long stream, engine alone vs SSE chunks read by an
/// HttpClient; (3) the same with several concurrent streams. Prints times and ratios.
/// </summary>
public sealed class GatewayOverheadBenchmark(IEngineClient engine, IPromptPreprocessor preprocessor, int requests, int streamTokens, int concurrency)
{
    private readonly IEngineClient _engine = engine;

    public async Task RunAsync(TextWriter output)
    {
        var app = await GatewayHost.CreateAsync(new GatewayOptions { Port = 0 }, _engine, preprocessor);
        try
        {
            using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { BaseAddress = GatewayHost.BaseAddress(app) };
            // The engine-alone path gets exactly the ids the gateway renders for the same chat request.
            var prompt = preprocessor.RenderChat(
                new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hello" }), null, new Dictionary<string, JsonNode?>()).TokenIds;
            var model = _engine.Model.Name;

            // Warm both paths (JIT, connection pool).
            for (var i = 0; i < Math.Min(200, requests); i++)
            {
                await DrainEngineAsync(prompt, 1);
                await PostAsync(client, Chat(model, 1, stream: false));
                await PostAsync(client, Chat(model, 16, stream: true));
            }

            var (engineRequest, httpRequest) = await TimeInterleavedAsync(requests,
                () => DrainEngineAsync(prompt, 1), () => PostAsync(client, Chat(model, 1, stream: false)));
            var httpFloor = await TimeAsync(requests, async () => (await client.GetAsync("/live")).Dispose());
            Row(output, "HTTP floor: GET /live round trip (no engine)", httpFloor, "per request");
            Row(output, "one-token request, engine alone", engineRequest, "per request");
            Row(output, "one-token request, via gateway (HTTP, non-streaming)", httpRequest, "per request");
            output.WriteLine($"gateway overhead per request: {Us(httpRequest - engineRequest)} ({Ratio(httpRequest, engineRequest)} of engine alone; {Us(httpRequest - httpFloor - engineRequest)} above the HTTP floor)");

            var (engineStream, httpStream) = await TimeInterleavedAsync(20,
                () => DrainEngineAsync(prompt, streamTokens), () => PostAsync(client, Chat(model, streamTokens, stream: true)));
            engineStream /= streamTokens;
            httpStream /= streamTokens;
            Row(output, $"{streamTokens}-token stream, engine alone", engineStream, "per token");
            Row(output, $"{streamTokens}-token stream, via gateway (SSE chunk per token)", httpStream, "per token");
            output.WriteLine($"gateway overhead per streamed token: {Us(httpStream - engineStream)} ({Ratio(httpStream, engineStream)} of engine alone)");

            var perStream = Math.Min(500, streamTokens);
            var total = concurrency * perStream;
            var sw = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => PostAsync(client, Chat(model, perStream, stream: true))));
            var tokensPerSecond = total / sw.Elapsed.TotalSeconds;
            sw.Restart();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => DrainEngineAsync(prompt, perStream)));
            var engineTokensPerSecond = total / sw.Elapsed.TotalSeconds;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{concurrency} concurrent {perStream}-token streams: via gateway {tokensPerSecond:F0} tokens/s, engine alone {engineTokensPerSecond:F0} tokens/s ({tokensPerSecond / engineTokensPerSecond:P1})"));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private async Task DrainEngineAsync(int[] prompt, int maxTokens)
    {
        var request = new GenerateRequest("bench", prompt, new SamplingParams { MaxTokens = maxTokens, IgnoreEos = true });
        await foreach (var _ in _engine.GenerateAsync(request, CancellationToken.None))
        {
        }
    }

    private static string Chat(string model, int maxTokens, bool stream) =>
        $$"""{"model":"{{model}}","messages":[{"role":"user","content":"hello"}],"max_tokens":{{maxTokens}},"ignore_eos":true,"stream":{{(stream ? "true" : "false")}}}""";

    private static async Task PostAsync(HttpClient client, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync("/v1/chat/completions", content);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[16384];
        while (await stream.ReadAsync(buffer) > 0)
        {
        }
    }

    /// <summary>Alternates the two so that drift in the machine's load hits both alike; returns the mean of each.</summary>
    private static async Task<(TimeSpan A, TimeSpan B)> TimeInterleavedAsync(int count, Func<Task> a, Func<Task> b)
    {
        TimeSpan totalA = default, totalB = default;
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await a();
            var middle = Stopwatch.GetTimestamp();
            await b();
            totalA += Stopwatch.GetElapsedTime(start, middle);
            totalB += Stopwatch.GetElapsedTime(middle);
        }
        return (totalA / count, totalB / count);
    }

    private static async Task<TimeSpan> TimeAsync(int count, Func<Task> action)
    {
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < count; i++) await action();
        return sw.Elapsed / count;
    }

    private static void Row(TextWriter output, string what, TimeSpan time, string unit) =>
        output.WriteLine($"{what,-60} {Us(time),12} {unit}");

    private static string Us(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalMicroseconds:F2} us");

    private static string Ratio(TimeSpan a, TimeSpan b) => string.Create(CultureInfo.InvariantCulture, $"{a / b:F1}x");
}
