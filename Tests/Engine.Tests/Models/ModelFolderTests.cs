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
