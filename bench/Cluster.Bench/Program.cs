using System.Diagnostics;
using DynamoOrleans.Cluster;
using DynamoOrleans.Cluster.Redis;
using DynamoOrleans.Cluster.Resp;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Grains.Interfaces.Cluster;

// Measures the RESP client against a running redis-server, to set beside redis-benchmark on the same machine.
// Rerun: redis-server --port 6399 --save "" --appendonly no &
//        dotnet run -c Release --project bench/Cluster.Bench -- 6399
//        redis-benchmark -p 6399 -t set -n 1000000 -P 1000 -q ; redis-benchmark -p 6399 -t set -n 200000 -c 50 -q
var port = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 6379;
await using var redis = await RedisConnection.ConnectAsync(new RedisConnectionOptions { Port = port, CommandTimeout = TimeSpan.FromSeconds(30) });
Console.WriteLine($"Cluster.Bench: redis 127.0.0.1:{port}");
Console.WriteLine($"# hardware: {DynamoOrleans.Bench.Hardware.Describe()}");

var value = new byte[3]; // redis-benchmark's default SET payload is 3 bytes
await Report("SET, one caller, window 1000", 1_000_000, async count =>
{
    var window = new ValueTask<RespValue>[1000];
    for (var done = 0; done < count; done += window.Length)
    {
        for (var i = 0; i < window.Length; i++)
            window[i] = redis.ExecuteAsync(["SET", "key:__rand_int__", value]);
        for (var i = 0; i < window.Length; i++)
            await window[i];
    }
});

await Report("SET, 50 callers awaiting each reply", 200_000, async count =>
{
    var callers = Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
    {
        for (var i = 0; i < count / 50; i++)
            await redis.ExecuteAsync(["SET", "key:__rand_int__", value]);
    }));
    await Task.WhenAll(callers);
});

var events = new RedisKvEventBus(redis, new ClusterOptions { KeyPrefix = "bench" });
var stored = new KvEvent[256];
for (var i = 0; i < stored.Length; i++)
    stored[i] = new KvEvent.Stored(i, (ulong)i, [.. Enumerable.Range(0, 4).Select(b => new StoredBlock((ulong)(i * 4 + b), (ulong)b))]);
await Report("KV events published (Stored of 4 blocks, batches of 256)", 200_000, async count =>
{
    for (var done = 0; done < count; done += stored.Length)
        await events.PublishAsync(new WorkerId("bench", 0), stored);
});

static async Task Report(string name, int count, Func<int, Task> run)
{
    await run(count / 10); // warm-up
    var allocated = GC.GetTotalAllocatedBytes(precise: true);
    var clock = Stopwatch.StartNew();
    await run(count);
    var seconds = clock.Elapsed.TotalSeconds;
    var perOp = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)count;
    Console.WriteLine($"{name}: {count} ops in {seconds:0.00} s = {count / seconds:0} ops/s, {perOp:0} bytes allocated per op");
}
