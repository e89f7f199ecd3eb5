using DynamoOrleans.Engine.Backends.Cpu;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Tests.Fixtures;
using Xunit.Abstractions;

namespace DynamoOrleans.Engine.Tests.Backends.Cpu;

/// <summary>Logits and greedy continuations against transformers' fp32 reference for the tiny fixtures.</summary>
public class ReferenceFixtureTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-3f;

    public static TheoryData<string, int> Cases() => new()
    {
        { "tiny-qwen3", 0 }, { "tiny-qwen3", 1 }, { "tiny-qwen3", 2 }, { "tiny-qwen3", 3 },
        { "tiny-llama3", 0 }, { "tiny-llama3", 1 }, { "tiny-llama3", 2 }, { "tiny-llama3", 3 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_Prompt_MatchesReferenceLogitsAtEveryPosition(string fixture, int caseIndex)
    {
        var dir = Path.Combine(TestData.Root, fixture);
        using var reference = SafetensorsArchive.Open(Path.Combine(dir, "reference.safetensors"));
        var prompt = Ints(reference.Get($"case{caseIndex}.input_ids").ToInt64Array());
        var expected = reference.Get($"case{caseIndex}.logits").ToFloatArray();

        using var model = ModelFolder.Open(dir);
        using var runner = new CpuModelRunner(model, new KvCacheOptions { NumBlocks = 64 });
        var driver = new RunnerDriver(runner);
        var table = Enumerable.Range(0, 64).ToArray();
        var logits = driver.PrefillAll(prompt, table);

        var diff = RunnerDriver.MaxAbsDiff(expected, logits);
        output.WriteLine($"{fixture} case{caseIndex} (L={prompt.Length}): max |Δlogit| = {diff:E2}");
        Assert.True(diff < Tolerance, $"max abs diff {diff}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Greedy_DecodeThroughKvCache_MatchesReferenceTokens(string fixture, int caseIndex)
    {
        var dir = Path.Combine(TestData.Root, fixture);
        using var reference = SafetensorsArchive.Open(Path.Combine(dir, "reference.safetensors"));
        var prompt = Ints(reference.Get($"case{caseIndex}.input_ids").ToInt64Array());
        var expected = Ints(reference.Get($"case{caseIndex}.greedy").ToInt64Array());

        using var model = ModelFolder.Open(dir);
        using var runner = new CpuModelRunner(model, new KvCacheOptions { NumBlocks = 64 });
        // Blocks in reverse order, so the table is not the identity mapping.
        var table = Enumerable.Range(0, 64).Reverse().ToArray();
        var tokens = new RunnerDriver(runner).Greedy(prompt, table, expected.Length);

        Assert.Equal(expected, tokens);
    }

    private static int[] Ints(long[] values) => Array.ConvertAll(values, v => checked((int)v));
}
