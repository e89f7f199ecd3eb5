return await DynamoOrleans.Bench.BenchmarkHost.RunAsync(args, typeof(Program).Assembly, "bench/Engine.Bench");
