// End-to-end serving benchmarks over real Kestrel servers (and, for cluster-serving, a real redis-server and silos).
return await DynamoOrleans.Bench.BenchmarkHost.RunAsync(args, typeof(Program).Assembly, "bench/Serving.Bench");
