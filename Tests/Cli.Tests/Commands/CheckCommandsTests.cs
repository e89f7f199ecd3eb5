using System.Text.Json.Nodes;
using DynamoOrleans.Cli.Commands;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Tests.Fixtures;

namespace DynamoOrleans.Cli.Tests.Commands;

/// <summary>The checks users run on the command line, against the Hugging Face fixtures.</summary>
public sealed class CheckCommandsTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("cli-tests-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void Tokenize_FixtureCasesWithoutIds_ComputesTheReferenceIdsAndText()
    {
        var expected = JsonNode.Parse(File.ReadAllText(TestData.TokenizerCases))!["encode"]!.AsArray();
        var input = new JsonObject { ["encode"] = new JsonArray(expected.Select(c => (JsonNode)new JsonObject { ["text"] = c!["text"]!.DeepClone() }).ToArray()) };
        var inPath = Path.Combine(_work, "in.json");
        File.WriteAllText(inPath, input.ToJsonString());
        var outPath = Path.Combine(_work, "out.json");

        Assert.Equal(0, TokenizeCommand.Run(TestData.Qwen3Tokenizer, inPath, outPath, TextWriter.Null));

        var actual = JsonNode.Parse(File.ReadAllText(outPath))!["encode"]!.AsArray();
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i]!["ids"]!.ToJsonString(), actual[i]!["ids"]!.ToJsonString());
            Assert.Equal(expected[i]!["decoded"]!.GetValue<string>(), actual[i]!["decoded"]!.GetValue<string>());
        }
    }

    [Fact]
    public void ChatTemplate_FixtureCases_ReproducesTextAndIds()
    {
        var outPath = Path.Combine(_work, "chat.json");
        Assert.Equal(0, ChatTemplateCommand.Run(TestData.Qwen3Tokenizer, TestData.ChatTemplateCases, outPath, TextWriter.Null));

        var expected = JsonNode.Parse(File.ReadAllText(TestData.ChatTemplateCases))!["chat"]!.AsArray();
        var actual = JsonNode.Parse(File.ReadAllText(outPath))!["chat"]!.AsArray();
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i]!["text"]!.GetValue<string>(), actual[i]!["text"]!.GetValue<string>());
            Assert.Equal(expected[i]!["ids"]!.ToJsonString(), actual[i]!["ids"]!.ToJsonString());
        }
    }

    [Theory]
    [InlineData("tiny-qwen3")]
    [InlineData("tiny-llama3")]
    public void Logits_FixtureReference_WritesLogitsWithinToleranceAndGreedyTokens(string fixture)
    {
        var dir = Path.Combine(TestData.Root, fixture);
        var outPath = Path.Combine(_work, "logits.safetensors");
        var log = new StringWriter();

        Assert.Equal(0, LogitsCommand.Run(dir, Path.Combine(dir, "reference.safetensors"), outPath, 16, log));

        using var reference = SafetensorsArchive.Open(Path.Combine(dir, "reference.safetensors"));
        using var written = SafetensorsArchive.Open(outPath);
        for (var c = 0; c < 4; c++)
        {
            var expected = reference.Get($"case{c}.logits").ToFloatArray();
            var actual = written.Get($"case{c}.logits").ToFloatArray();
            Assert.Equal(reference.Get($"case{c}.logits").ShapeText, written.Get($"case{c}.logits").ShapeText);
            Assert.All(expected.Zip(actual), pair => Assert.True(Math.Abs(pair.First - pair.Second) < 1e-3f));
            Assert.Equal(16, written.Get($"case{c}.greedy").ElementCount);
        }
        Assert.Contains("max |Δlogit|", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Logits_ReferenceWithoutCases_FailsWithExitCode2()
    {
        var empty = Path.Combine(_work, "empty.safetensors");
        SafetensorsWriter.Write(empty, [SafetensorsTensor.F32("x", [1f])]);
        var error = Assert.Throws<CliException>(() => LogitsCommand.Run(TestData.TinyQwen3, empty, Path.Combine(_work, "o"), 16, TextWriter.Null));
        Assert.Contains("input_ids", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokenize_CasesFileWithoutEncodeList_ReportsTheExpectedShape()
    {
        var inPath = Path.Combine(_work, "bad.json");
        File.WriteAllText(inPath, """{"chat": []}""");
        var error = Assert.Throws<CliException>(() => TokenizeCommand.Run(TestData.Qwen3Tokenizer, inPath, Path.Combine(_work, "o.json"), TextWriter.Null));
        Assert.Contains("\"encode\"", error.Message, StringComparison.Ordinal);
    }
}
