using System.Globalization;
using DynamoOrleans.Engine.Models.Demo;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Worker.Bench;

// Worker API overhead: the same engine in-process and through the gRPC worker stream, in one run.
// Usage: dotnet run -c Release --project bench/Worker.Bench -- [engine=instant|demo] [tokensPerStream=20000] [concurrency=16]
var engineKind = args.Length > 0 ? args[0] : "instant";
var tokens = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : engineKind == "demo" ? 256 : 20_000;
var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 16;
int[] prompt = [.. Enumerable.Range(0, 40).Select(i => 3 + i * 7 % 500)];

Console.WriteLine("# worker-stream: per streamed token, engine in-process vs through WorkerService + RemoteEngineClient");
Console.WriteLine($"# hardware: {Hardware.Describe()}");
Console.WriteLine($"# rerun: dotnet run -c Release --project bench/Worker.Bench -- {engineKind} {tokens} {concurrency}");
if (engineKind == "demo")
{
    var folder = DemoModel.EnsureFolder();
    await using var demo = CpuEngine.Start(folder, new EngineOptions { ModelName = DemoModel.Name, Seed = 1 });
    Console.WriteLine($"# engine: CPU engine, demo model ({folder})");
    await new WorkerStreamBenchmark(demo, prompt, tokens, concurrency).RunAsync(Console.Out);
}
else
{
    Console.WriteLine("# engine: InstantEngine (no compute), so the figures are the stream's own cost");
    await new WorkerStreamBenchmark(new InstantEngine(), prompt, tokens, concurrency).RunAsync(Console.Out);
}
