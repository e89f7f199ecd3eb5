using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Tests.Fixtures;

namespace DynamoOrleans.Engine.Tests.Models;

public class GenerationConfigTests
{
    [Fact]
    public void Load_AbsentFile_GivesDefaults()
    {
        using var tmp = new TempDirectory();
        var g = GenerationConfig.Load(tmp.Path);
        Assert.Empty(g.EosTokenIds);
        Assert.Null(g.Temperature);
    }

    [Fact]
    public void Load_EosListAndSamplingDefaults_ReadsAll()
    {
        using var tmp = new TempDirectory();
        File.WriteAllText(Path.Combine(tmp.Path, "generation_config.json"),
            """{"bos_token_id": 151643, "eos_token_id": [151645, 151643], "pad_token_id": 151643, "do_sample": true, "temperature": 0.6, "top_k": 20, "top_p": 0.95, "repetition_penalty": 1.05}""");
        var g = GenerationConfig.Load(tmp.Path);

        Assert.Equal([151645, 151643], g.EosTokenIds);
        Assert.Equal((0.6, 0.95, 20), (g.Temperature, g.TopP, g.TopK));
        Assert.Equal(1.05, g.RepetitionPenalty);
        Assert.True(g.DoSample);
        Assert.Equal(151643, g.PadTokenId);
    }

    [Fact]
    public void Load_LlamaFixture_ReadsSingleEos()
    {
        var g = GenerationConfig.Load(TestData.TinyLlama3);
        Assert.Equal([2], g.EosTokenIds);
        Assert.Equal(1, g.BosTokenId);
    }
}
