using System.Text.RegularExpressions;
using DynamoOrleans.Engine.Models.Demo;
using DynamoOrleans.Gateway.Tests.Fakes;
using DynamoOrleans.Samples.Chat;

namespace DynamoOrleans.Gateway.Tests.EndToEnd;

/// <summary>
/// samples/csharp and samples/node, run as a user runs them, against a gateway serving the demo model (embedded
/// mode serves the same API as the cluster gateway). Each must list the model, get text, stream and report usage.
/// </summary>
public sealed partial class SamplesEndToEndTests(DemoEngineServer demo) : IClassFixture<DemoEngineServer>
{
    // The model's text may hold newlines of its own, so each text runs up to the usage line that follows it.
    [GeneratedRegex(@"^chat: (?<text>.+?)\nchat usage: prompt \d+, completion (?<completion>\d+), total \d+, cached \d+, finish \w+$",
        RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex ChatLines();

    [GeneratedRegex(@"^stream: (?<text>.+?)\nstream usage: prompt \d+, completion (?<completion>\d+), total \d+, cached \d+$",
        RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex StreamLines();

    private Uri BaseUrl => new(demo.Server.BaseAddress, "/v1");

    [Fact]
    public async Task CSharpSample_RunAsync_PrintsModelChatStreamUsageAndTool()
    {
        var output = new StringWriter();

        var model = await ChatSample.RunAsync(BaseUrl, "none", model: null, output, CancellationToken.None);

        Assert.Equal(DemoModel.Name, model);
        AssertSampleOutput(output.ToString());
    }

    [Fact]
    public async Task NodeSample_ChatMjs_PrintsModelChatStreamUsageAndTool()
    {
        // ES modules resolve 'openai' from node_modules beside the script (NODE_PATH does not apply to them), so the
        // sample runs from a copy in the folder the tests installed the package into.
        var dir = await NodeOpenAi.EnsurePackageAsync();
        File.Copy(Path.Combine(AppContext.BaseDirectory, "samples", "node", "chat.mjs"), Path.Combine(dir, "sample-chat.mjs"), overwrite: true);

        var (code, stdout, stderr) = await NodeOpenAi.RunAsync("node", dir, null, "sample-chat.mjs", "--base-url", BaseUrl.ToString());

        Assert.True(code == 0, $"node exited {code}: {stderr}\n{stdout}");
        AssertSampleOutput(stdout);
    }

    [Fact]
    public async Task NodeSample_BaseUrlAndKeyFromEnvironment_Used()
    {
        var dir = await NodeOpenAi.EnsurePackageAsync();
        File.Copy(Path.Combine(AppContext.BaseDirectory, "samples", "node", "chat.mjs"), Path.Combine(dir, "sample-chat.mjs"), overwrite: true);
        var environment = new Dictionary<string, string> { ["OPENAI_BASE_URL"] = BaseUrl.ToString(), ["OPENAI_API_KEY"] = "sk-any" };

        var (code, stdout, stderr) = await NodeOpenAi.RunAsync("node", dir, environment, "sample-chat.mjs", "--model", DemoModel.Name);

        Assert.True(code == 0, $"node exited {code}: {stderr}\n{stdout}");
        AssertSampleOutput(stdout);
    }

    [Theory]
    [InlineData(new string[0], null, SampleArguments.DefaultBaseUrl, null)]
    [InlineData(new string[0], "http://gateway:8000/v1", "http://gateway:8000/v1", null)]
    [InlineData(new[] { "--base-url", "http://other:9000/v1", "--model", "m" }, "http://gateway:8000/v1", "http://other:9000/v1", "m")]
    public void CSharpSampleArguments_FlagsOverEnvironmentOverDefault(string[] args, string? environmentUrl, string expectedUrl, string? expectedModel)
    {
        Assert.True(SampleArguments.TryParse(args, name => name == "OPENAI_BASE_URL" ? environmentUrl : null, out var parsed, out var error), error);
        Assert.Equal(new Uri(expectedUrl), parsed.BaseUrl);
        Assert.Equal(expectedModel, parsed.Model);
        Assert.Equal("none", parsed.ApiKey);
    }

    [Theory]
    [InlineData("--base-url")]
    [InlineData("--temperature", "1")]
    [InlineData("--base-url", "not a url")]
    public void CSharpSampleArguments_Invalid_RefusedWithUsage(params string[] args)
    {
        Assert.False(SampleArguments.TryParse(args, _ => null, out _, out var error));
        Assert.Contains("usage:", error, StringComparison.Ordinal);
    }

    private static void AssertSampleOutput(string output)
    {
        output = output.Replace("\r\n", "\n", StringComparison.Ordinal);
        var models = Regex.Match(output, "^models: (.*)$", RegexOptions.Multiline);
        Assert.True(models.Success, output);
        Assert.Contains(DemoModel.Name, models.Groups[1].Value.Split(", "));
        foreach (var lines in new[] { ChatLines().Match(output), StreamLines().Match(output) })
        {
            Assert.True(lines.Success, output);
            Assert.NotEmpty(lines.Groups["text"].Value);
            Assert.InRange(int.Parse(lines.Groups["completion"].Value, System.Globalization.CultureInfo.InvariantCulture), 1, 48);
        }
        Assert.Matches("(?m)^tool: ", output);
    }
}
