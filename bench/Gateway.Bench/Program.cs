using DynamoOrleans.Engine.Models.Demo;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Preprocessing;
using DynamoOrleans.Gateway.Bench;

// Gateway overhead: the same engine called directly and through HTTP, in one run.
// Usage: dotnet run -c Release --project bench/Gateway.Bench -- [requests=2000] [streamTokens=2000] [concurrency=32] [engine=fake|demo]
var requests = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 2000;
var streamTokens = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2000;
var concurrency = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 32;
var engineKind = args.Length > 3 ? args[3] : "fake";

Console.WriteLine("# gateway-overhead: per request and per streamed token, engine alone vs through the gateway");
Console.WriteLine($"# hardware: {Hardware.Describe()}");
Console.WriteLine($"# rerun: dotnet run -c Release --project bench/Gateway.Bench -- {requests} {streamTokens} {concurrency} {engineKind}");
if (engineKind == "demo")
{
    // The real CPU engine on the demo model: the gateway's cost next to real decode steps.
    var folder = DemoModel.EnsureFolder();
    await using var demo = CpuEngine.Start(folder, new EngineOptions { ModelName = DemoModel.Name, Seed = 1 });
    Console.WriteLine($"# engine: CPU engine, demo model ({folder})");
    await new GatewayOverheadBenchmark(demo, ModelPreprocessor.FromDirectory(folder), requests, streamTokens, concurrency).RunAsync(Console.Out);
}
else
{
    Console.WriteLine("# engine: BenchEngine (no compute: max_tokens copies of one token)");
    await new GatewayOverheadBenchmark(new BenchEngine(), new ByteLevelPreprocessor(), requests, streamTokens, concurrency).RunAsync(Console.Out);
}
