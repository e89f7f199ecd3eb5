using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Parsing;
using DynamoOrleans.Gateway.Preprocessing;
using DynamoOrleans.Gateway.Streaming;

namespace DynamoOrleans.Gateway.Tests.Streaming;

public sealed class ChoiceOutputProcessorTests
{
    private static List<ChoiceDelta> Run(ChoiceOutputProcessor processor, string text, FinishReason finish = FinishReason.Stop, int? finalToken = 2)
    {
        var ids = ByteLevelPreprocessor.Encode(text).ToList();
        var deltas = new List<ChoiceDelta>();
        for (var i = 0; i < ids.Count && !processor.IsFinished; i++)
        {
            var last = finalToken is null && i == ids.Count - 1;
            deltas.Add(processor.Step(new TokenOutput(ids[i], last ? finish : null)));
        }
        if (!processor.IsFinished && finalToken is { } id) deltas.Add(processor.Step(new TokenOutput(id, finish)));
        return deltas;
    }

    private static ChoiceOutputProcessor Processor(string[]? stops = null, ReasoningParser? reasoning = null, ToolCallParser? tools = null) =>
        new(0, new ByteLevelPreprocessor().CreateDetokenizer(), stops ?? [], [2], wantLogprobs: false, reasoning, tools);

    [Fact]
    public void Step_EosIsSilentButCounted()
    {
        var processor = Processor();
        var deltas = Run(processor, "hi");
        Assert.Equal("hi", string.Concat(deltas.Select(d => d.Content)));
        Assert.Equal("stop", deltas[^1].FinishReason);
        Assert.Equal(3, processor.CompletionTokens);
    }

    [Fact]
    public void Step_StopStringInsideReasoningAndTools_AppliesToRawText()
    {
        var processor = Processor(["STOP"], new ReasoningParser(false), new ToolCallParser());
        var deltas = Run(processor, "<think>a</think>bSTOPc");
        Assert.Equal("a", string.Concat(deltas.Select(d => d.Reasoning)));
        Assert.Equal("b", string.Concat(deltas.Select(d => d.Content)));
        Assert.True(processor.StopStringMatched);
        Assert.Equal("stop", deltas[^1].FinishReason);
    }

    [Fact]
    public void Step_LengthWithHeldBackStopPrefix_ReleasesIt()
    {
        var processor = Processor(["END"]);
        var deltas = Run(processor, "abcEN", FinishReason.Length, finalToken: null);
        Assert.Equal("abcEN", string.Concat(deltas.Select(d => d.Content)));
        Assert.Equal("length", deltas[^1].FinishReason);
    }

    [Fact]
    public void Step_ToolCallThenEos_FinishReasonToolCalls()
    {
        var processor = Processor(tools: new ToolCallParser());
        var deltas = Run(processor, "<tool_call>{\"name\":\"f\",\"arguments\":{}}</tool_call>");
        var chunks = deltas.SelectMany(d => Enumerable.Range(0, d.ToolCalls.Count).Select(i => d.ToolCalls[i])).ToList();
        Assert.Equal("f", chunks.Single(c => c.Id is not null).Name);
        Assert.Equal("{}", string.Concat(chunks.Select(c => c.Arguments)));
        Assert.Equal(ToolCallStatus.Committed, chunks[^1].Status);
        Assert.Equal("tool_calls", deltas[^1].FinishReason);
    }

    [Fact]
    public void Step_StopBeforeMinTokens_Ignored()
    {
        var processor = new ChoiceOutputProcessor(0, new ByteLevelPreprocessor().CreateDetokenizer(), ["x"], [2], false, minTokens: 3);
        var deltas = Run(processor, "axbxc");
        Assert.Equal("axb", string.Concat(deltas.Select(d => d.Content)));
        Assert.Equal("stop", deltas[^1].FinishReason);
    }

    [Fact]
    public void Step_EngineEndWithoutToken_NotCounted()
    {
        var processor = Processor();
        processor.Step(new TokenOutput('a' + 3, null));
        var end = processor.Step(new TokenOutput(-1, FinishReason.Length));
        Assert.Equal(1, processor.CompletionTokens);
        Assert.Equal("length", end.FinishReason);
    }
}
