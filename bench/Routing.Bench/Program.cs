return await DynamoOrleans.Bench.BenchmarkHost.RunAsync(args, typeof(Program).Assembly, "bench/Routing.Bench");
