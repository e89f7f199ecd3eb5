using Google.Protobuf;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Worker;
using Proto = DynamoOrleans.Grains.Interfaces.Protos;

namespace DynamoOrleans.Grains.Tests.Worker;

public sealed class WorkerProtoMappingTests
{
    [Fact]
    public void GenerateRequest_EveryField_RoundTripsThroughTheWire()
    {
        var request = new GenerateRequest("r1", [5, 6, 7], new SamplingParams
        {
            Temperature = 0.7f,
            TopP = 0.9f,
            TopK = 40,
            MinP = 0.05f,
            Seed = -42,
            PresencePenalty = 0.1f,
            FrequencyPenalty = 0.2f,
            RepetitionPenalty = 1.1f,
            MaxTokens = 99,
            MinTokens = 3,
            StopTokenIds = [11, 12],
            IgnoreEos = true,
            Logprobs = 0,
            PromptLogprobs = 2,
        }) { Priority = -5 };

        var back = RoundTrip(request);

        Assert.Equal(request.RequestId, back.RequestId);
        Assert.Equal(request.PromptTokenIds, back.PromptTokenIds);
        Assert.Equal(request.Priority, back.Priority);
        Assert.Equal(request.Sampling with { StopTokenIds = [] }, back.Sampling with { StopTokenIds = [] });
        Assert.Equal(request.Sampling.StopTokenIds, back.Sampling.StopTokenIds);
    }

    [Fact]
    public void GenerateRequest_CSharpDefaults_SurviveProto3ZeroDefaults()
    {
        var request = new GenerateRequest("r2", [1], new SamplingParams());

        var back = RoundTrip(request);

        Assert.Equal(1f, back.Sampling.Temperature);
        Assert.Equal(1f, back.Sampling.RepetitionPenalty);
        Assert.Null(back.Sampling.Seed);
        Assert.Null(back.Sampling.Logprobs);
        Assert.Equal(16, back.Sampling.MaxTokens);
    }

    [Fact]
    public void FromProto_NoSampling_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => WorkerProtoMapping.FromProto(new Proto.GenerateRequest { RequestId = "x" }));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(FinishReason.Stop)]
    [InlineData(FinishReason.Length)]
    [InlineData(FinishReason.Cancelled)]
    [InlineData(FinishReason.Error)]
    public void TokenOutput_FinishAndLogprobs_RoundTripThroughOneReusedMessage(FinishReason? finish)
    {
        var frame = new Proto.TokenOutput();
        WorkerProtoMapping.CopyTo(new TokenOutput(9, null) { Logprob = -0.25f, TopLogprobs = [new(9, -0.25f), new(3, -2f)], CachedPromptTokens = 32 }, frame);
        var output = new TokenOutput(4, finish) { CachedPromptTokens = 32 };

        WorkerProtoMapping.CopyTo(output, frame);
        var back = WorkerProtoMapping.FromProto(Proto.TokenOutput.Parser.ParseFrom(frame.ToByteArray()));

        Assert.Equal(4, back.TokenId);
        Assert.Equal(finish, back.Finish);
        Assert.True(float.IsNaN(back.Logprob));
        Assert.Null(back.TopLogprobs);
        Assert.Equal(32, back.CachedPromptTokens);
    }

    [Fact]
    public void KvIndex_ParentOrNone_RoundTrips()
    {
        var snapshot = new KvIndexSnapshot(17, 16, [new CachedBlock(1, 2, null), new CachedBlock(3, 4, 1), new CachedBlock(ulong.MaxValue, 0, 3)]);

        var back = WorkerProtoMapping.FromProto(Proto.KvIndexResponse.Parser.ParseFrom(WorkerProtoMapping.ToProto(snapshot).ToByteArray()));

        Assert.Equal(snapshot.EventId, back.EventId);
        Assert.Equal(snapshot.BlockSize, back.BlockSize);
        Assert.Equal(snapshot.Blocks, back.Blocks);
    }

    private static GenerateRequest RoundTrip(GenerateRequest request) =>
        WorkerProtoMapping.FromProto(Proto.GenerateRequest.Parser.ParseFrom(WorkerProtoMapping.ToProto(request).ToByteArray()));
}
