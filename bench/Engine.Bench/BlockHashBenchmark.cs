using System.Diagnostics;
using DynamoOrleans.Engine.Kv;

namespace DynamoOrleans.Engine.Bench;

/// <summary>
/// Chained block hashing as the router and workers run it per request: blocks per second and bytes
/// per second for a 4096-token prompt, beside the speed of a plain pass over the same tokens (a sum),
/// measured in the same run.
/// </summary>
public sealed class BlockHashBenchmark : IBenchmark
{
    public string Name => "kv-hash";

    public string Description => "chained XXH3-64 block hashing of a 4096-token prompt at block sizes 16 and 64";

    public async Task RunAsync(string[] args, TextWriter output)
    {
        var random = new Random(1);
        var tokens = Enumerable.Range(0, 4096).Select(_ => random.Next(151_936)).ToArray();
        var hashes = new ulong[tokens.Length];
        await output.WriteLineAsync("block size | blocks/s (millions) | hash GB/s | sum-only GB/s | µs per 4096-token prompt");
        await output.WriteLineAsync("---------- | ------------------- | --------- | ------------- | ------------------------");
        foreach (var blockSize in new[] { 16, 64 })
        {
            var numBlocks = tokens.Length / blockSize;
            var hashSeconds = Time(() => BlockHasher.Compute(tokens, blockSize, hashes), out var rounds);
            var sumSeconds = Time(() => Sum(tokens), out var sumRounds);
            var bytes = tokens.Length * 4.0;
            await output.WriteLineAsync(
                $"{blockSize,10} | {numBlocks * rounds / hashSeconds / 1e6,19:F2} | {bytes * rounds / hashSeconds / 1e9,9:F2} | {bytes * sumRounds / sumSeconds / 1e9,13:F2} | {hashSeconds / rounds * 1e6,24:F1}");
        }
    }

    private static double Time(Action action, out long rounds)
    {
        for (var i = 0; i < 2000; i++)
            action();
        rounds = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(1))
        {
            for (var i = 0; i < 100; i++)
                action();
            rounds += 100;
        }
        return watch.Elapsed.TotalSeconds;
    }

    private static long _sink;

    private static void Sum(int[] tokens)
    {
        long sum = 0;
        foreach (var token in tokens)
            sum += token;
        _sink += sum;
    }
}
