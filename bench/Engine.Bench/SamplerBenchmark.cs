using System.Diagnostics;
using DynamoOrleans.Engine.Sampling;
using DynamoOrleans.Engine.Scheduling;
using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Engine.Bench;

/// <summary>
/// Sampler cost per token over a Qwen3-sized vocabulary (151,936), for the settings OpenAI clients
/// send most, beside a plain copy of the row (the least any sampler must touch) in the same run.
/// </summary>
public sealed class SamplerBenchmark : IBenchmark
{
    private const int Vocab = 151_936;

    public string Name => "sampler";

    public string Description => "sampler µs per token on a 151,936-entry vocabulary: greedy, top-k, top-p, penalties, logprobs";

    public async Task RunAsync(string[] args, TextWriter output)
    {
        var random = new Random(1);
        // Logits shaped like a model's: a few strong candidates over a long Gaussian tail.
        var row = new float[Vocab];
        for (var i = 0; i < Vocab; i++)
            row[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()) * 2);
        for (var i = 0; i < 20; i++)
            row[random.Next(Vocab)] += 12 + i * 0.3f;
        var scratch = new float[Vocab];
        var sampler = new Sampler(Vocab, [151_645], new Random(1));
        var prompt = Enumerable.Range(0, 512).Select(_ => random.Next(Vocab)).ToArray();

        var copyMicros = Time(() => row.CopyTo(scratch));
        await output.WriteLineAsync($"# baseline: copying one row of logits takes {copyMicros:F1} µs");
        await output.WriteLineAsync("settings | µs per token | x row copy");
        await output.WriteLineAsync("-------- | ----------- | ----------");
        (string Name, SamplingParams Sampling)[] cases =
        [
            ("greedy", new SamplingParams { Temperature = 0 }),
            ("temperature 0.7", new SamplingParams { Temperature = 0.7f }),
            ("top_k 50", new SamplingParams { Temperature = 0.7f, TopK = 50 }),
            ("top_p 0.9", new SamplingParams { Temperature = 0.7f, TopP = 0.9f }),
            ("top_p 0.9, top_k 50, min_p 0.05", new SamplingParams { Temperature = 0.7f, TopP = 0.9f, TopK = 50, MinP = 0.05f }),
            ("top_p 0.95 at temperature 1.5 (wide nucleus)", new SamplingParams { Temperature = 1.5f, TopP = 0.95f }),
            ("greedy, penalties over 512 prompt tokens", new SamplingParams { Temperature = 0, RepetitionPenalty = 1.1f, PresencePenalty = 0.5f, FrequencyPenalty = 0.5f }),
            ("greedy, logprobs 5", new SamplingParams { Temperature = 0, Logprobs = 5 }),
        ];
        foreach (var (name, sampling) in cases)
        {
            var seq = new Sequence(0, "bench", prompt, sampling);
            var micros = Time(() =>
            {
                row.CopyTo(scratch);
                sampler.Sample(scratch, seq);
            }) - copyMicros;
            await output.WriteLineAsync($"{name} | {micros:F1} | {micros / copyMicros:F1}");
        }
    }

    private static double Time(Action action)
    {
        for (var i = 0; i < 20; i++)
            action();
        var rounds = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(0.5))
        {
            action();
            rounds++;
        }
        return watch.Elapsed.TotalMilliseconds * 1000 / rounds;
    }
}
