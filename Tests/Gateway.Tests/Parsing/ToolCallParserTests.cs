using System.Text.Json.Nodes;
using DynamoOrleans.Gateway.Parsing;

namespace DynamoOrleans.Gateway.Tests.Parsing;

public sealed class ToolCallParserTests
{
    private static (string Content, List<(string Name, string Arguments)> Calls) Run(ToolCallParser parser, params string[] pieces)
    {
        var transcript = ToolCallTranscript.Run(parser, pieces);
        return (transcript.Content, transcript.Committed);
    }

    private static string[] Chars(string s) => s.Select(c => c.ToString()).ToArray();

    [Fact]
    public void Hermes_WholeText_ParsesNameAndArguments()
    {
        var (content, calls) = Run(new ToolCallParser(), "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>");
        Assert.Equal("", content);
        var call = Assert.Single(calls);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("Paris", JsonNode.Parse(call.Arguments)!["city"]!.GetValue<string>());
    }

    [Fact]
    public void Hermes_OneCharacterPieces_ContentBeforeAndTwoCalls()
    {
        var text = "Let me check.<tool_call>{\"name\":\"a\",\"arguments\":{}}</tool_call>\n<tool_call>{\"name\":\"b\",\"arguments\":{\"x\":1}}</tool_call>";
        var (content, calls) = Run(new ToolCallParser(), Chars(text));
        Assert.Equal("Let me check.", content);
        Assert.Equal(["a", "b"], calls.Select(c => c.Name));
        Assert.Equal("{\"x\":1}", calls[1].Arguments);
    }

    [Fact]
    public void Hermes_Streaming_CallStartsAtNameAndCommitsAtClosingTag()
    {
        var parser = new ToolCallParser();
        Assert.Equal("Hi ", parser.Push("Hi <tool").Content);
        var header = parser.Push("_call>{\"name\":\"f\",");
        Assert.Equal(1, header.Calls.Count);
        Assert.Equal(("f", "", ToolCallStatus.Streaming), (header.Calls[0].Name, header.Calls[0].Arguments, header.Calls[0].Status));
        var args = parser.Push("\"arguments\":{}}");
        Assert.Equal(("{}", ToolCallStatus.Streaming), (args.Calls[0].Arguments, args.Calls[0].Status));
        Assert.Null(args.Calls[0].Id);
        var done = parser.Push("</tool_call>");
        Assert.Equal((0, ToolCallStatus.Committed), (done.Calls[0].Index, done.Calls[0].Status));
    }

    [Fact]
    public void Hermes_SingleCall_LaterCallsDropped()
    {
        var text = "<tool_call>{\"name\":\"a\",\"arguments\":{}}</tool_call><tool_call>{\"name\":\"b\",\"arguments\":{}}</tool_call>";
        var (_, calls) = Run(new ToolCallParser(singleCall: true), Chars(text));
        Assert.Equal("a", Assert.Single(calls).Name);
    }

    [Fact]
    public void Hermes_BadJson_KeptAsContent()
    {
        var (content, calls) = Run(new ToolCallParser(), "<tool_call>{not json}</tool_call>");
        Assert.Empty(calls);
        Assert.Equal("<tool_call>{not json}</tool_call>", content);
    }

    [Fact]
    public void Hermes_Unclosed_FlushedAsContent()
    {
        var (content, calls) = Run(new ToolCallParser(), "x<tool_call>{\"name\":");
        Assert.Empty(calls);
        Assert.Equal("x<tool_call>{\"name\":", content);
    }

    [Fact]
    public void Hermes_UnclosedButCompleteJson_CommittedAtEnd()
    {
        var (content, calls) = Run(new ToolCallParser(), Chars("<tool_call>{\"name\":\"f\",\"arguments\":{\"a\":1}}"));
        Assert.Equal("", content);
        Assert.Equal(("f", "{\"a\":1}"), Assert.Single(calls));
    }

    [Fact]
    public void Llama3Json_ParametersKey_Parsed()
    {
        var (content, calls) = Run(new ToolCallParser(), Chars("{\"name\": \"search\", \"parameters\": {\"q\": \"dotnet\"}}"));
        Assert.Equal("", content);
        Assert.Equal("search", Assert.Single(calls).Name);
        Assert.Equal("{\"q\":\"dotnet\"}", calls[0].Arguments);
    }

    [Fact]
    public void Llama3PythonTag_SemicolonSeparatedCalls_Parsed()
    {
        var (_, calls) = Run(new ToolCallParser(), "<|python_tag|>{\"name\":\"a\",\"parameters\":{}}; {\"name\":\"b\",\"parameters\":{}}");
        Assert.Equal(["a", "b"], calls.Select(c => c.Name));
    }

    [Fact]
    public void Llama3Json_NotACall_ReturnedAsContent()
    {
        var (content, calls) = Run(new ToolCallParser(), "{\"answer\": 42}");
        Assert.Empty(calls);
        Assert.Equal("{\"answer\": 42}", content);
    }

    [Fact]
    public void PlainText_PassesThroughUnchanged()
    {
        var (content, calls) = Run(new ToolCallParser(), "a < b", " and c > d");
        Assert.Equal("a < b and c > d", content);
        Assert.Empty(calls);
    }

    [Fact]
    public void Forced_Named_BareArgumentsObjectAttributedToTool()
    {
        var (content, calls) = Run(new ToolCallParser(forced: true, forcedName: "get_weather"), "{\"city\": \"Oslo\"}");
        Assert.Equal("", content);
        Assert.Equal("get_weather", Assert.Single(calls).Name);
        Assert.Equal("{\"city\":\"Oslo\"}", calls[0].Arguments);
    }

    [Fact]
    public void Forced_Required_TextThatIsNoCall_StaysContent()
    {
        var (content, calls) = Run(new ToolCallParser(forced: true), "I cannot call tools.");
        Assert.Empty(calls);
        Assert.Equal("I cannot call tools.", content);
    }

    [Fact]
    public void ArgumentsAsString_KeptVerbatim()
    {
        var calls = ToolCallJson.TryParseCalls("[{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}]");
        Assert.Equal("{\"a\":1}", Assert.Single(calls!).Arguments);
    }
}
