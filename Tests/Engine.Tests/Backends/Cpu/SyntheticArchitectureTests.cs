using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Backends.Cpu;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Tests.Models;
using static DynamoOrleans.Engine.Tests.Models.ModelFolderWriter;

namespace DynamoOrleans.Engine.Tests.Backends.Cpu;

/// <summary>Families with no reference file, checked against each other on seeded synthetic weights.</summary>
public class SyntheticArchitectureTests
{
    private static readonly Shape Small = new();

    [Fact]
    public void Qwen2_ZeroBiases_EqualsLlamaWithSameWeights()
    {
        using var tmp = new TempDirectory();
        var llama = Write(tmp.Sub("llama"), Config("LlamaForCausalLM", Small), RandomWeights(Small, seed: 7));
        var qwen2 = Write(tmp.Sub("qwen2"), Config("Qwen2ForCausalLM", Small), RandomWeights(Small, seed: 7, biasScale: 0f));

        Assert.True(RunnerDriver.MaxAbsDiff(Logits(llama), Logits(qwen2)) < 1e-5f);
    }

    [Fact]
    public void Qwen2_NonzeroBiases_ChangeLogits()
    {
        using var tmp = new TempDirectory();
        var zero = Write(tmp.Sub("zero"), Config("Qwen2ForCausalLM", Small), RandomWeights(Small, seed: 7, biasScale: 0f));
        var biased = Write(tmp.Sub("biased"), Config("Qwen2ForCausalLM", Small), RandomWeights(Small, seed: 7, biasScale: 0.5f));

        Assert.True(RunnerDriver.MaxAbsDiff(Logits(zero), Logits(biased)) > 1e-2f);
    }

    [Fact]
    public void Qwen2_MissingBias_NamesTheTensor()
    {
        using var tmp = new TempDirectory();
        var dir = Write(tmp.Sub("q"), Config("Qwen2ForCausalLM", Small), RandomWeights(Small, seed: 7));
        var e = Assert.Throws<ModelFormatException>(() => ModelFolder.Open(dir));
        Assert.Contains("model.layers.0.self_attn.q_proj.bias", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mistral_NoSlidingWindow_EqualsLlamaWithSameWeights()
    {
        using var tmp = new TempDirectory();
        var llama = Write(tmp.Sub("llama"), Config("LlamaForCausalLM", Small), RandomWeights(Small, seed: 9));
        var mistral = Write(tmp.Sub("mistral"), Config("MistralForCausalLM", Small, extra: new JsonObject { ["sliding_window"] = null }), RandomWeights(Small, seed: 9));

        Assert.True(RunnerDriver.MaxAbsDiff(Logits(llama), Logits(mistral)) < 1e-6f);
    }

    [Fact]
    public void Mistral_SlidingWindow_ChangesOnlyPositionsPastTheWindow()
    {
        using var tmp = new TempDirectory();
        var full = Write(tmp.Sub("full"), Config("MistralForCausalLM", Small), RandomWeights(Small, seed: 9));
        var windowed = Write(tmp.Sub("win"), Config("MistralForCausalLM", Small, extra: new JsonObject { ["sliding_window"] = 8 }), RandomWeights(Small, seed: 9));
        var a = Logits(full);
        var b = Logits(windowed);
        var v = Small.Vocab;

        Assert.True(RunnerDriver.MaxAbsDiff(a.AsSpan(0, 8 * v), b.AsSpan(0, 8 * v)) < 1e-6f);
        Assert.True(RunnerDriver.MaxAbsDiff(a.AsSpan(8 * v), b.AsSpan(8 * v)) > 1e-3f);
    }

    [Fact]
    public void Llama_TiedEmbeddingsAndMha_RunsAndUsesEmbeddingAsLmHead()
    {
        using var tmp = new TempDirectory();
        var mha = Small with { KvHeads = 4 };
        var tied = RandomWeights(mha, seed: 5, tied: true);
        var untied = RandomWeights(mha, seed: 5, tied: true);
        untied["lm_head.weight"] = tied["model.embed_tokens.weight"];
        var a = Write(tmp.Sub("tied"), Config("LlamaForCausalLM", mha, tied: true), tied);
        var b = Write(tmp.Sub("untied"), Config("LlamaForCausalLM", mha), untied);

        Assert.True(RunnerDriver.MaxAbsDiff(Logits(a), Logits(b)) < 1e-6f);
    }

    private static float[] Logits(string dir)
    {
        using var model = ModelFolder.Open(dir);
        using var runner = new CpuModelRunner(model, new KvCacheOptions { NumBlocks = 8 });
        var prompt = PagedPrefillTests.Prompt(20, seed: 4).Select(t => t % Small.Vocab).ToArray();
        return new RunnerDriver(runner).PrefillAll(prompt, [3, 1]);
    }
}
