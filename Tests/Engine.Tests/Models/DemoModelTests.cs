using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Backends.Cpu;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Models.Demo;
using DynamoOrleans.Engine.Runtime;
using DynamoOrleans.Engine.Templates;
using DynamoOrleans.Engine.Tokenization;

namespace DynamoOrleans.Engine.Tests.Models;

public sealed class DemoModelTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("demo-model-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    [Fact]
    public void EnsureFolder_FreshCache_WritesAFolderTheLoadersAccept()
    {
        var folder = DemoModel.EnsureFolder(_cache);

        using var model = ModelFolder.Open(folder);
        var tokenizer = Tokenizer.FromDirectory(folder);
        var template = ChatTemplate.FromDirectory(folder);
        Assert.Equal("Qwen3ForCausalLM", model.Config.Architecture);
        Assert.True(tokenizer.VocabSize <= model.Config.VocabSize);
        Assert.Equal(tokenizer.TokenToId("<|im_end|>"), model.EosTokenIds[0]);

        const string text = "The scheduler runs many sequences at once, 2026 🙂!";
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        Assert.True(tokenizer.Encode("the scheduler").Length < "the scheduler".Length, "learned merges shorten common English");

        var rendered = template.Render(new ChatTemplateInput(new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" })) { AddGenerationPrompt = true });
        Assert.Equal("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", rendered);
    }

    [Fact]
    public void EnsureFolder_CalledTwice_ReusesTheFolderAndIsDeterministic()
    {
        var first = DemoModel.EnsureFolder(_cache);
        var bytes = File.ReadAllBytes(Path.Combine(first, "model.safetensors"));
        var second = DemoModel.EnsureFolder(_cache);
        Assert.Equal(first, second);

        var other = Directory.CreateTempSubdirectory("demo-model-").FullName;
        try
        {
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(DemoModel.EnsureFolder(other), "model.safetensors")));
        }
        finally
        {
            Directory.Delete(other, recursive: true);
        }
    }

    [Fact]
    public void Forward_DemoModel_ProducesFiniteLogitsThatVaryWithTheInput()
    {
        using var model = ModelFolder.Open(DemoModel.EnsureFolder(_cache));
        using var runner = new CpuModelRunner(model, new KvCacheOptions { NumBlocks = 8 });
        var batch = new ForwardBatch(64, 2, 8);
        batch.Clear(runner.BlockSize);
        batch.AddSequence([10, 20, 30], 0, [0]);
        batch.AddSequence([40, 50], 0, [1]);
        var logits = new float[2 * runner.VocabSize];

        runner.Forward(batch, logits);

        Assert.All(logits, l => Assert.True(float.IsFinite(l)));
        Assert.NotEqual(logits.AsSpan(0, runner.VocabSize).ToArray(), logits.AsSpan(runner.VocabSize).ToArray());
    }

    [Fact]
    public async Task Generate_DemoModelAtTemperatureOne_ProducesWordPiecesNeverBrokenCharacters()
    {
        var folder = DemoModel.EnsureFolder(_cache);
        var tokenizer = Tokenizer.FromDirectory(folder);
        await using var engine = DynamoOrleans.Engine.Serving.CpuEngine.Start(folder, new DynamoOrleans.Engine.Serving.EngineOptions());
        var prompt = tokenizer.Encode("<|im_start|>user\nTell me about the cache<|im_end|>\n<|im_start|>assistant\n");
        var ids = new List<int>();
        var sampling = new DynamoOrleans.Engine.Serving.SamplingParams { Temperature = 1f, MaxTokens = 64, Seed = 5, IgnoreEos = true };
        await foreach (var output in engine.GenerateAsync(new DynamoOrleans.Engine.Serving.GenerateRequest("demo", prompt, sampling), default))
            ids.Add(output.TokenId);

        var text = tokenizer.Decode(ids.ToArray());
        Assert.Equal(64, ids.Count);
        Assert.DoesNotContain('\uFFFD', text);
        Assert.True(ids.Distinct().Count() > 5, $"varied output expected: {text}");
    }
}
