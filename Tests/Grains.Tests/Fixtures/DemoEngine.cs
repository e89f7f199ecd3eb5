using DynamoOrleans.Engine.Models.Demo;
using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Grains.Tests.Fixtures;

/// <summary>The real CPU engine over the generated demo model (written once into the shared cache).</summary>
internal static class DemoEngine
{
    private static readonly Lazy<string> Folder = new(() => DemoModel.EnsureFolder());

    public static EngineClient Start() => CpuEngine.Start(Folder.Value, new EngineOptions { Seed = 1 });

    public static int[] Prompt(int length, int offset = 0) => [.. Enumerable.Range(0, length).Select(i => 3 + (i * 7 + offset) % 500)];

    public static GenerateRequest Greedy(string id, int maxTokens, int? logprobs = null, int promptLength = 40) =>
        new(id, Prompt(promptLength), new SamplingParams { Temperature = 0, MaxTokens = maxTokens, IgnoreEos = true, Logprobs = logprobs });

    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("waited 10 s for " + what);
            await Task.Delay(10);
        }
    }
}
