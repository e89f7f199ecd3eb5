using DynamoOrleans.Gateway.Bench;

// Gateway overhead: the same engine called directly and through HTTP, in one run.
// Usage: dotnet run -c Release --project bench/Gateway.Bench -- [requests=2000] [streamTokens=2000] [concurrency=32]
var requests = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 2000;
var streamTokens = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2000;
var concurrency = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 32;

Console.WriteLine("# gateway-overhead: per request and per streamed token, engine alone vs through the gateway");
Console.WriteLine($"# hardware: {Hardware.Describe()}");
Console.WriteLine($"# rerun: dotnet run -c Release --project bench/Gateway.Bench -- {requests} {streamTokens} {concurrency}");
await new GatewayOverheadBenchmark(requests, streamTokens, concurrency).RunAsync(Console.Out);
