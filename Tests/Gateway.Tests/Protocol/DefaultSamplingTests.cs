using System.Text.Json.Nodes;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Protocol;

namespace DynamoOrleans.Gateway.Tests.Protocol;

/// <summary>The model's generation_config defaults fill what a request leaves out, and only that.</summary>
public sealed class DefaultSamplingTests
{
    private static readonly GatewayOptions ModelDefaults = new()
    {
        DefaultSampling = new SamplingParams { Temperature = 0.6f, TopP = 0.95f, TopK = 20, MinP = 0.05f, RepetitionPenalty = 1.1f },
    };

    [Fact]
    public void Read_RequestWithoutSamplingFields_TakesTheModelDefaults()
    {
        var request = ChatCompletionRequestReader.Read(JsonNode.Parse("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""")!.AsObject(), ModelDefaults);
        var generation = request.Generation;
        Assert.Equal(0.6f, generation.Temperature);
        Assert.Equal(0.95f, generation.TopP);
        Assert.Equal(20, generation.TopK);
        Assert.Equal(0.05f, generation.MinP);
        Assert.Equal(1.1f, generation.RepetitionPenalty);
    }

    [Fact]
    public void Read_RequestWithItsOwnValues_KeepsThem()
    {
        var json = """{"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0,"top_p":1,"top_k":0,"min_p":0,"repetition_penalty":1}""";
        var generation = ChatCompletionRequestReader.Read(JsonNode.Parse(json)!.AsObject(), ModelDefaults).Generation;
        Assert.Equal(0f, generation.Temperature);
        Assert.Equal(1f, generation.TopP);
        Assert.Equal(0, generation.TopK);
        Assert.Equal(0f, generation.MinP);
        Assert.Equal(1f, generation.RepetitionPenalty);
    }
}
