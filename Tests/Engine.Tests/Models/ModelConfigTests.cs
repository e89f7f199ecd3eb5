using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Tests.Fixtures;

namespace DynamoOrleans.Engine.Tests.Models;

public class ModelConfigTests
{
    [Fact]
    public void Load_Transformers4Form_ReadsQwen3Fixture()
    {
        var c = ModelConfig.Load(Path.Combine(TestData.TinyQwen3, "config.json"));

        Assert.Equal("Qwen3ForCausalLM", c.Architecture);
        Assert.Equal((1024, 128, 384, 3), (c.VocabSize, c.HiddenSize, c.IntermediateSize, c.NumLayers));
        Assert.Equal((4, 2, 64), (c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim));
        Assert.True(c.HasQkNorm);
        Assert.True(c.TieWordEmbeddings);
        Assert.False(c.AttentionBias);
        Assert.Equal(1e6, c.Rope.Theta);
        Assert.Equal(RopeScalingType.Default, c.Rope.Scaling);
        Assert.Equal(1e-6, c.RmsNormEps);
        Assert.Equal(4096, c.MaxPositionEmbeddings);
        Assert.Null(c.BosTokenId);
        Assert.Empty(c.EosTokenIds);
        Assert.Equal("bfloat16", c.TorchDType);
        Assert.Null(c.SlidingWindow);
    }

    [Fact]
    public void Load_Transformers5Form_ReadsLlama3RopeParameters()
    {
        var c = ModelConfig.Load(Path.Combine(TestData.TinyLlama3, "config.json"));

        Assert.Equal("LlamaForCausalLM", c.Architecture);
        Assert.Equal(32, c.HeadDim);
        Assert.False(c.TieWordEmbeddings);
        Assert.False(c.HasQkNorm);
        Assert.Equal(RopeScalingType.Llama3, c.Rope.Scaling);
        Assert.Equal(500000.0, c.Rope.Theta);
        Assert.Equal((8.0, 1.0, 4.0, 8192), (c.Rope.Factor, c.Rope.LowFreqFactor, c.Rope.HighFreqFactor, c.Rope.OriginalMaxPositionEmbeddings));
        Assert.Equal(1, c.BosTokenId);
        Assert.Equal([2], c.EosTokenIds);
        Assert.Equal("bfloat16", c.TorchDType);
    }

    [Fact]
    public void Load_RopeScalingWithLegacyTypeKey_ReadsLlama3()
    {
        using var tmp = new TempDirectory();
        var path = WriteConfig(tmp, c =>
        {
            c["rope_theta"] = 500000.0;
            c["rope_scaling"] = new JsonObject { ["type"] = "llama3", ["factor"] = 32.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 8192 };
            c["eos_token_id"] = new JsonArray(128001, 128008, 128009);
            c.Remove("num_key_value_heads");
            c.Remove("head_dim");
        });
        var config = ModelConfig.Load(path);

        Assert.Equal(RopeScalingType.Llama3, config.Rope.Scaling);
        Assert.Equal(32.0, config.Rope.Factor);
        Assert.Equal(500000.0, config.Rope.Theta);
        Assert.Equal([128001, 128008, 128009], config.EosTokenIds);
        Assert.Equal(config.NumAttentionHeads, config.NumKeyValueHeads);
        Assert.Equal(config.HiddenSize / config.NumAttentionHeads, config.HeadDim);
    }

    [Fact]
    public void Load_Qwen2_HasQkvBiasButNoOutputBias()
    {
        using var tmp = new TempDirectory();
        var config = ModelConfig.Load(WriteConfig(tmp, c => c["architectures"] = new JsonArray("Qwen2ForCausalLM")));
        Assert.True(config.AttentionBias);
        Assert.False(config.OutputProjectionBias);
    }

    [Theory]
    [InlineData("hidden_size")]
    [InlineData("vocab_size")]
    [InlineData("num_hidden_layers")]
    [InlineData("architectures")]
    public void Load_MissingRequiredField_NamesIt(string field)
    {
        using var tmp = new TempDirectory();
        var e = Assert.Throws<ModelFormatException>(() => ModelConfig.Load(WriteConfig(tmp, c => c.Remove(field))));
        Assert.Contains($"'{field}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnsupportedArchitecture_NamesIt()
    {
        using var tmp = new TempDirectory();
        var e = Assert.Throws<ModelFormatException>(() => ModelConfig.Load(WriteConfig(tmp, c => c["architectures"] = new JsonArray("GPT2LMHeadModel"))));
        Assert.Contains("GPT2LMHeadModel", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnsupportedRopeType_NamesIt()
    {
        using var tmp = new TempDirectory();
        var e = Assert.Throws<ModelFormatException>(() => ModelConfig.Load(WriteConfig(tmp, c => c["rope_scaling"] = new JsonObject { ["rope_type"] = "yarn", ["factor"] = 4.0 })));
        Assert.Contains("yarn", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RopeConfig_Llama3Scaling_KeepsHighFrequenciesAndSlowsLowOnes()
    {
        var plain = new RopeConfig { Theta = 500000 }.InverseFrequencies(128);
        var scaled = new RopeConfig { Theta = 500000, Scaling = RopeScalingType.Llama3, Factor = 8, LowFreqFactor = 1, HighFreqFactor = 4, OriginalMaxPositionEmbeddings = 8192 }.InverseFrequencies(128);

        Assert.Equal(plain[0], scaled[0]);
        Assert.Equal(plain[^1] / 8, scaled[^1], 1e-12);
    }

    private static string WriteConfig(TempDirectory tmp, Action<JsonObject> edit)
    {
        var config = ModelFolderWriter.Config("LlamaForCausalLM", new ModelFolderWriter.Shape());
        edit(config);
        var path = Path.Combine(tmp.Path, "config.json");
        File.WriteAllText(path, config.ToJsonString());
        return path;
    }
}
