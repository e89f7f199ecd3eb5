using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Tests.Fixtures;
using static DynamoOrleans.Engine.Tests.Models.ModelFolderWriter;

namespace DynamoOrleans.Engine.Tests.Models;

public class ModelFolderTests
{
    [Fact]
    public void Open_Fixture_BindsTiedLmHeadAndEos()
    {
        using var qwen = ModelFolder.Open(TestData.TinyQwen3);
        Assert.True(qwen.Tensors.IsLmHeadTied);
        Assert.Equal(3, qwen.Tensors.Layers.Count);
        Assert.NotNull(qwen.Tensors.Layers[0].QNorm);

        using var llama = ModelFolder.Open(TestData.TinyLlama3);
        Assert.False(llama.Tensors.IsLmHeadTied);
        Assert.Equal([2], llama.EosTokenIds);
    }

    /// <summary>The Hugging Face cache keeps files as blobs and links to them from snapshots/&lt;revision&gt;/.</summary>
    [Fact]
    public void Open_HubCacheLayoutWithSymlinks_ReadsThroughTheLinks()
    {
        using var tmp = new TempDirectory();
        var blobs = tmp.Sub("blobs");
        var snapshot = tmp.Sub(Path.Combine("snapshots", "abc123"));
        foreach (var file in Directory.GetFiles(TestData.TinyQwen3))
        {
            var blob = Path.Combine(blobs, Path.GetFileName(file) + ".blob");
            File.Copy(file, blob);
            File.CreateSymbolicLink(Path.Combine(snapshot, Path.GetFileName(file)), Path.Combine("..", "..", "blobs", Path.GetFileName(blob)));
        }

        using var linked = ModelFolder.Open(snapshot);
        using var original = ModelFolder.Open(TestData.TinyQwen3);
        Assert.True(linked.Weights.Get("model.norm.weight").Bytes.SequenceEqual(original.Weights.Get("model.norm.weight").Bytes));
    }

    [Fact]
    public void Open_MissingTensor_NamesIt()
    {
        using var tmp = new TempDirectory();
        var weights = RandomWeights(new Shape(), seed: 1);
        weights.Remove("model.layers.1.mlp.up_proj.weight");
        var dir = Write(tmp.Path, Config("LlamaForCausalLM", new Shape()), weights);

        var e = Assert.Throws<ModelFormatException>(() => ModelFolder.Open(dir));
        Assert.Contains("model.layers.1.mlp.up_proj.weight", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WrongShape_NamesTensorAndShapes()
    {
        using var tmp = new TempDirectory();
        var weights = RandomWeights(new Shape(), seed: 1);
        weights["model.layers.0.self_attn.k_proj.weight"] = (new float[64 * 64], [64, 64]);
        var dir = Write(tmp.Path, Config("LlamaForCausalLM", new Shape()), weights);

        var e = Assert.Throws<ModelFormatException>(() => ModelFolder.Open(dir));
        Assert.Contains("model.layers.0.self_attn.k_proj.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("[32, 64]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_NoLmHeadAndNotTied_NamesLmHead()
    {
        using var tmp = new TempDirectory();
        var dir = Write(tmp.Path, Config("LlamaForCausalLM", new Shape(), tied: false), RandomWeights(new Shape(), seed: 1, tied: true));
        var e = Assert.Throws<ModelFormatException>(() => ModelFolder.Open(dir));
        Assert.Contains("lm_head.weight", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_NoConfig_NamesConfigJson()
    {
        using var tmp = new TempDirectory();
        var e = Assert.Throws<ModelFormatException>(() => ModelFolder.Open(tmp.Path));
        Assert.Contains("config.json", e.Message, StringComparison.Ordinal);
    }
}
