using DynamoOrleans.Cli.Commands;
using DynamoOrleans.Engine.Models.Demo;
using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Cli.Tests.Commands;

public sealed class GenerateCommandTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("cli-generate-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    [Fact]
    public async Task RunAsync_DemoModelGreedy_StreamsTextAndReportsCounts()
    {
        var folder = DemoModel.EnsureFolder(_cache);
        var output = new StringWriter();
        var stats = new StringWriter();
        var input = new GenerateCommand.GenerateInput("What is the weather in Paris?", System: "Be brief.", Raw: false, EnableThinking: false);

        var exit = await GenerateCommand.RunAsync(folder, input, s => s with { Temperature = 0f, MaxTokens = 12, IgnoreEos = true }, output, stats, default);

        Assert.Equal(0, exit);
        Assert.False(string.IsNullOrWhiteSpace(output.ToString()));
        Assert.Contains("12 generated, finish length", stats.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_SameSeedTwice_GivesTheSameText()
    {
        var folder = DemoModel.EnsureFolder(_cache);
        async Task<string> Once()
        {
            var output = new StringWriter();
            await GenerateCommand.RunAsync(folder, new GenerateCommand.GenerateInput("hello", null, false, null),
                s => s with { Seed = 42, MaxTokens = 16, IgnoreEos = true }, output, TextWriter.Null, default);
            return output.ToString();
        }
        Assert.Equal(await Once(), await Once());
    }

    [Fact]
    public void SamplingDefaults_FromGenerationConfig_TakesTheModelsRecommendedValues()
    {
        var defaults = SamplingDefaults.From(Engine.Models.GenerationConfig.Load(DemoModel.EnsureFolder(_cache)));
        Assert.Equal(0.7f, defaults.Temperature, 1e-6f);
        Assert.Equal(0.8f, defaults.TopP, 1e-6f);
        Assert.Equal(20, defaults.TopK);
    }
}
