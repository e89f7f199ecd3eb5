using DynamoOrleans.Gateway.Streaming;

namespace DynamoOrleans.Gateway.Tests.Streaming;

public sealed class StopStringMatcherTests
{
    private static (string Released, bool Stopped) Run(string[] stops, params string[] pieces)
    {
        var matcher = new StopStringMatcher(stops);
        var released = "";
        foreach (var piece in pieces)
        {
            released += matcher.Push(piece);
            if (matcher.IsStopped) return (released, true);
        }
        return (released + matcher.Flush(), false);
    }

    [Fact]
    public void Push_StopSplitAcrossPieces_NeverLeaksAndTrims()
    {
        var matcher = new StopStringMatcher(["END"]);
        Assert.Equal("hello ", matcher.Push("hello E"));
        Assert.Equal("", matcher.Push("N"));
        Assert.Equal("", matcher.Push("D and more"));
        Assert.True(matcher.IsStopped);
    }

    [Fact]
    public void Push_FalseStart_ReleasesHeldText()
    {
        Assert.Equal(("a ENx END? no", false), Run(["END!"], "a EN", "x END", "? no"));
    }

    [Fact]
    public void Push_SeveralStops_EarliestWins()
    {
        Assert.Equal(("o", true), Run(["two", "ne t"], "one two"));
        Assert.Equal(("x", true), Run(["yz", "y"], "x", "y", "z"));
    }

    [Fact]
    public void Push_OneCharacterPieces_MatchesAcrossAll()
    {
        var text = "The answer is 42.\n\nObservation: done";
        Assert.Equal(("The answer is 42.", true), Run(["\n\nObservation:"], text.Select(c => c.ToString()).ToArray()));
    }

    [Fact]
    public void Flush_NoStop_ReturnsEverything()
    {
        Assert.Equal(("abcST", false), Run(["STOP"], "abc", "ST"));
    }

    [Fact]
    public void Push_NoStops_PassesThrough()
    {
        var matcher = new StopStringMatcher([]);
        Assert.False(matcher.IsActive);
        Assert.Equal("abc", matcher.Push("abc"));
    }

    [Fact]
    public void Push_StopAtVeryStart_ReleasesNothing()
    {
        Assert.Equal(("", true), Run(["<|end|>"], "<|", "end", "|>tail"));
    }

    [Fact]
    public void PassThrough_ReleasesHeldTextWithoutMatching()
    {
        var matcher = new StopStringMatcher(["AB"]);
        Assert.Equal("x", matcher.Push("xA"));
        Assert.Equal("AB", matcher.PassThrough("B"));
        Assert.False(matcher.IsStopped);
        Assert.Equal("", matcher.Push("AB"));
        Assert.True(matcher.IsStopped);
    }

    [Fact]
    public void Ctor_EmptyStop_Throws()
    {
        Assert.Throws<ArgumentException>(() => new StopStringMatcher([""]));
    }
}
