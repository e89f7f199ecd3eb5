using System.Text.Json.Nodes;
using DynamoOrleans.Gateway.Parsing;

namespace DynamoOrleans.Gateway.Tests.Parsing;

public sealed class ToolCallParserTests
{
    private static (string Content, List<ToolCall> Calls) Run(ToolCallParser parser, params string[] pieces)
    {
        var content = "";
        var calls = new List<ToolCall>();
        foreach (var piece in pieces)
        {
            var d = parser.Push(piece);
            content += d.Content;
            if (d.Calls is not null) calls.AddRange(d.Calls);
        }
        var end = parser.Flush();
        if (end.Calls is not null) calls.AddRange(end.Calls);
        return (content + end.Content, calls);
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
        Assert.StartsWith("call_", call.Id, StringComparison.Ordinal);
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
    public void Hermes_Streaming_CallCompletesAtClosingTag()
    {
        var parser = new ToolCallParser();
        Assert.Equal("Hi ", parser.Push("Hi <tool").Content);
        Assert.Null(parser.Push("_call>{\"name\":\"f\",").Calls);
        var done = parser.Push("\"arguments\":{}}</tool_call>");
        Assert.Equal("f", Assert.Single(done.Calls!).Name);
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
        Assert.Equal("x{\"name\":", content);
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
