using DynamoOrleans.Gateway.Parsing;

namespace DynamoOrleans.Gateway.Tests.Parsing;

public sealed class ReasoningParserTests
{
    private static (string Reasoning, string Content) Run(bool startsInside, params string[] pieces)
    {
        var parser = new ReasoningParser(startsInside);
        string reasoning = "", content = "";
        foreach (var piece in pieces)
        {
            var d = parser.Push(piece);
            reasoning += d.Reasoning;
            content += d.Content;
        }
        var end = parser.Flush();
        return (reasoning + end.Reasoning, content + end.Content);
    }

    [Fact]
    public void Push_ThinkBlockAtStart_SplitsReasoningAndContent()
    {
        Assert.Equal(("\nLet me think.\n", "The answer is 4."), Run(false, "<think>\nLet me think.\n</think>\n\nThe answer is 4."));
    }

    [Fact]
    public void Push_TagsSplitAcrossPieces_NeverLeak()
    {
        var pieces = "<think>abc</think>\n\nxyz".Select(c => c.ToString()).ToArray();
        Assert.Equal(("abc", "xyz"), Run(false, pieces));
    }

    [Fact]
    public void Push_PromptOpenedThink_OutputStartsInReasoning()
    {
        Assert.Equal(("step 1", "done"), Run(true, "step", " 1</thi", "nk>done"));
    }

    [Fact]
    public void Push_NoThink_AllContent()
    {
        Assert.Equal(("", "plain <b>answer</b>"), Run(false, "plain ", "<b>answer</b>"));
        Assert.Equal(("", "<thin ice"), Run(false, "<thin", " ice"));
    }

    [Fact]
    public void Flush_UnclosedThink_IsReasoning()
    {
        Assert.Equal(("still thinking</th", ""), Run(false, "<think>still thinking</th"));
    }

    [Fact]
    public void Push_StreamingDeltas_ReasoningArrivesBeforeClose()
    {
        var parser = new ReasoningParser(false);
        Assert.Equal(new ReasoningDelta("", ""), parser.Push("<thi"));
        Assert.Equal(new ReasoningDelta("hmm", ""), parser.Push("nk>hmm"));
        Assert.Equal(new ReasoningDelta(" ok", "Yes"), parser.Push(" ok</think>Yes"));
        Assert.Equal(new ReasoningDelta("", "!"), parser.Push("!"));
    }

    [Theory]
    [InlineData("<|im_start|>assistant\n<think>\n", true)]
    [InlineData("<|im_start|>assistant\n<think>\n\n</think>\n\n", false)]
    [InlineData("<|im_start|>assistant\n", false)]
    public void PromptOpensReasoning_DetectsOpenBlock(string prompt, bool expected)
    {
        Assert.Equal(expected, ReasoningParser.PromptOpensReasoning(prompt));
    }
}
