using System.Text.Json;
using DynamoOrleans.Gateway.Parsing;

namespace DynamoOrleans.Gateway.Tests.Parsing;

/// <summary>The parser fed as a tokenizer would feed it: headers first, arguments growing, commits at the end of the markup.</summary>
public sealed class ToolCallStreamingTests
{
    private static string[] Chars(string s) => s.Select(c => c.ToString()).ToArray();

    [Fact]
    public void Hermes_RealisticTokens_HeaderFirstThenArgumentsGrow()
    {
        string[] tokens =
        [
            "<tool_call>", "\n", "{\"", "name", "\":", " \"", "search", "_docs", "\",", " \"", "arguments", "\":", " {\"",
            "query", "\":", " \"", "say", " \\\"", "hi", "\\\"", " to", " 日本", "🌍", "\",", " \"", "filters", "\":", " {\"",
            "tags", "\":", " [\"", "a", "\",", " \"", "b", "\"],", " \"", "n", "\":", " 3", ".5", "e", "2", "}}}", "\n", "</tool_call>",
        ];
        var parser = new ToolCallParser();
        var transcript = new ToolCallTranscript();
        var headerAt = -1;
        for (var i = 0; i < tokens.Length; i++)
        {
            transcript.Add(parser.Push(tokens[i]));
            if (headerAt < 0 && transcript.Calls.Count == 1) headerAt = i;
        }
        transcript.Add(parser.Flush());
        Assert.Equal(Array.IndexOf(tokens, "\","), headerAt);
        const string expected = "{\"query\":\"say \\\"hi\\\" to 日本🌍\",\"filters\":{\"tags\":[\"a\",\"b\"],\"n\":3.5e2}}";
        Assert.Equal(("search_docs", expected), Assert.Single(transcript.Committed));
        Assert.True(transcript.Fragments(0).Count > 20);
        Assert.Equal("", transcript.Content);
        Assert.Equal(expected, ToolCallParser.ParseHermesBlocks(string.Concat(tokens))![0].Arguments);
    }

    [Fact]
    public void Hermes_EscapeSplitAcrossPieces_PrefixesStayValid()
    {
        var parser = new ToolCallParser();
        var transcript = ToolCallTranscript.Run(parser, "<tool_call>{\"name\":\"f\",\"arguments\":{\"s\":\"a\\", "\"b\\", "u00e9\\", "\\c\"}}</tool", "_call>");
        Assert.Equal([("f", "{\"s\":\"a\\\"b\\u00e9\\\\c\"}")], transcript.Committed);
        Assert.Equal("{\"s\":\"a\\", transcript.Fragments(0)[0]);
    }

    [Fact]
    public void Hermes_TwoCallsWithTextBefore_IndexedInOrder()
    {
        var text = "Checking both.\n<tool_call>\n{\"name\": \"a\", \"arguments\": {\"x\": [1, {\"y\": null}]}}\n</tool_call>\n<tool_call>\n{\"name\": \"b\", \"arguments\": {}}\n</tool_call>";
        var transcript = ToolCallTranscript.Run(new ToolCallParser(), Chars(text));
        Assert.Equal("Checking both.\n", transcript.Content);
        Assert.Equal([("a", "{\"x\":[1,{\"y\":null}]}"), ("b", "{}")], transcript.Committed);
    }

    [Fact]
    public void Hermes_ParallelOff_SecondCallNeverStarts()
    {
        var text = "<tool_call>{\"name\":\"a\",\"arguments\":{\"k\":1}}</tool_call><tool_call>{\"name\":\"b\",\"arguments\":{\"k\":2}}</tool_call>";
        var transcript = ToolCallTranscript.Run(new ToolCallParser(singleCall: true), Chars(text));
        Assert.Single(transcript.Calls);
        Assert.Equal([("a", "{\"k\":1}")], transcript.Committed);
        Assert.Equal("", transcript.Content);
    }

    [Fact]
    public void Hermes_ExtraBraceAfterArguments_DroppedAndRawBlockIsContent()
    {
        var block = "<tool_call>{\"name\":\"f\",\"arguments\":{\"a\":1}}}</tool_call>";
        var parser = new ToolCallParser();
        var transcript = ToolCallTranscript.Run(parser, Chars(block + " after"));
        Assert.Equal(ToolCallStatus.Dropped, transcript.Calls[0].Status);
        Assert.Equal("{\"a\":1}", string.Concat(transcript.Fragments(0)));
        Assert.Empty(transcript.Committed);
        Assert.Equal(block + " after", transcript.Content);
        Assert.False(parser.SawToolCall);
    }

    [Fact]
    public void Hermes_SyntaxErrorInArguments_StreamingStopsAtTheError()
    {
        var block = "<tool_call>{\"name\":\"f\",\"arguments\":{\"a\":1,,\"b\":2}}</tool_call>";
        var transcript = ToolCallTranscript.Run(new ToolCallParser(), Chars(block));
        Assert.Equal("{\"a\":1,", string.Concat(transcript.Fragments(0)));
        Assert.Equal(ToolCallStatus.Dropped, transcript.Calls[0].Status);
        Assert.Equal(block, transcript.Content);
    }

    [Fact]
    public void Hermes_BrokenCallThenGoodCall_GoodCallTakesNextIndex()
    {
        var text = "<tool_call>{\"name\":\"f\",\"arguments\":{]}</tool_call><tool_call>{\"name\":\"g\",\"arguments\":{}}</tool_call>";
        var transcript = ToolCallTranscript.Run(new ToolCallParser(singleCall: true), Chars(text));
        Assert.Equal(ToolCallStatus.Dropped, transcript.Calls[0].Status);
        Assert.Equal(ToolCallStatus.Committed, transcript.Calls[1].Status);
        Assert.Equal([("g", "{}")], transcript.Committed);
    }

    [Fact]
    public void Llama3Json_HeaderBeforeObjectCloses_CommitAtEnd()
    {
        var parser = new ToolCallParser();
        var transcript = new ToolCallTranscript();
        transcript.Add(parser.Push("{\"name\": \"search\", "));
        Assert.Equal("search", transcript.Calls[0].Name);
        transcript.Add(parser.Push("\"parameters\": {\"q\": \"do"));
        transcript.Add(parser.Push("tnet\"}}"));
        Assert.Equal(ToolCallStatus.Streaming, transcript.Calls[0].Status);
        transcript.Add(parser.Flush());
        Assert.Equal([("search", "{\"q\":\"dotnet\"}")], transcript.Committed);
        Assert.Equal(["{\"q\":\"do", "tnet\"}"], transcript.Fragments(0));
    }

    [Fact]
    public void Llama3PythonTag_SemicolonCalls_TwoIndices()
    {
        var transcript = ToolCallTranscript.Run(new ToolCallParser(), Chars("<|python_tag|>{\"name\":\"a\",\"parameters\":{\"x\":1}}; {\"name\":\"b\",\"parameters\":{}}"));
        Assert.Equal([("a", "{\"x\":1}"), ("b", "{}")], transcript.Committed);
    }

    [Fact]
    public void Llama3Array_TwoCalls_Committed()
    {
        var transcript = ToolCallTranscript.Run(new ToolCallParser(), Chars("[{\"name\":\"a\",\"parameters\":{}}, {\"name\":\"b\",\"parameters\":{\"t\":true}}]"));
        Assert.Equal([("a", "{}"), ("b", "{\"t\":true}")], transcript.Committed);
    }

    [Fact]
    public void Llama3Json_ParametersBeforeName_SentOnceTheNameIsKnown()
    {
        var transcript = ToolCallTranscript.Run(new ToolCallParser(), Chars("{\"parameters\": {\"q\": 1}, \"name\": \"s\"}"));
        Assert.Equal([("s", "{\"q\":1}")], transcript.Committed);
        Assert.Equal(["{\"q\":1}"], transcript.Fragments(0));
    }

    [Fact]
    public void Llama3Json_TextAfterTheCall_WholeOutputIsContent()
    {
        const string text = "{\"name\":\"f\",\"parameters\":{}} Hope that helps.";
        var transcript = ToolCallTranscript.Run(new ToolCallParser(), Chars(text));
        Assert.Empty(transcript.Committed);
        Assert.Equal(ToolCallStatus.Dropped, transcript.Calls[0].Status);
        Assert.Equal(text, transcript.Content);
    }

    [Fact]
    public void Llama3Json_ObjectWithoutName_NoCallEverStarts()
    {
        var transcript = ToolCallTranscript.Run(new ToolCallParser(), Chars("{\"answer\": {\"n\": 42}}"));
        Assert.Empty(transcript.Calls);
        Assert.Equal("{\"answer\": {\"n\": 42}}", transcript.Content);
    }

    [Fact]
    public void ArgumentsWrittenAsString_SentDecodedWhenTheStringCloses()
    {
        var transcript = ToolCallTranscript.Run(new ToolCallParser(), Chars("<tool_call>{\"name\":\"f\",\"arguments\":\"{\\\"a\\\": 1}\"}</tool_call>"));
        Assert.Equal([("f", "{\"a\": 1}")], transcript.Committed);
        Assert.Single(transcript.Fragments(0));
    }

    [Fact]
    public void NumberArgumentsAndNoArguments_MatchTheWholeParse()
    {
        var transcript = ToolCallTranscript.Run(new ToolCallParser(), Chars("<tool_call>{\"name\":\"n\",\"arguments\":-1.5E+3}</tool_call><tool_call>{\"name\":\"e\"}</tool_call>"));
        Assert.Equal([("n", "-1.5E+3"), ("e", "{}")], transcript.Committed);
    }

    public static TheoryData<string> Outputs => new()
    {
        "Sure.<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Zürich \\\"ZH\\\"\", \"days\": [1, 2, 3], \"opts\": {\"unit\": \"°C\", \"deep\": {\"x\": [true, false, null]}}}}\n</tool_call>\n<tool_call>\n{\"name\": \"notify\", \"arguments\": {\"msg\": \"done ✓ 🎉\\n\\tnext\"}}\n</tool_call>",
        "{\"name\": \"search\", \"parameters\": {\"q\": \"a \\\\ b\", \"k\": 10, \"f\": -0.25e-3}}",
        "<|python_tag|>{\"name\": \"a\", \"parameters\": {\"s\": \"x;y\"}}; {\"name\": \"b\", \"parameters\": {\"t\": [[], {}]}}",
        "[{\"name\": \"a\", \"arguments\": {\"u\": \"\\u00e9\\ud83c\\udf89\"}}, {\"arguments\": {\"late\": 1}, \"name\": \"b\"}]",
        "<tool_call>{\"name\": \"bad\", \"arguments\": {\"a\": 1,}}</tool_call>text<tool_call>{\"name\": \"ok\", \"arguments\": {\"b\": \"</tool\"}}</tool_call>",
    };

    [Theory]
    [MemberData(nameof(Outputs))]
    public void RandomSplits_FragmentsConcatenateToTheWholeParse(string output)
    {
        var whole = ToolCallTranscript.Run(new ToolCallParser(), output);
        var oracle = ToolCallParser.ParseHermesBlocks(output) ?? ToolCallJson.TryParseCalls(output.Replace(ToolCallParser.PythonTag, "", StringComparison.Ordinal));
        if (!output.Contains("bad", StringComparison.Ordinal))
            Assert.Equal(oracle!.Select(c => (c.Name, c.Arguments)), whole.Committed);
        Assert.NotEmpty(whole.Committed);
        var random = new Random(1234);
        for (var round = 0; round < 300; round++)
        {
            var pieces = RandomPieces(output, random);
            var split = ToolCallTranscript.Run(new ToolCallParser(), pieces);
            Assert.Equal(whole.Committed, split.Committed);
            Assert.Equal(whole.Content, split.Content);
        }
    }

    [Fact]
    public void ForcedNamed_WholeOutputParsedOnceWithTheSameCompactArguments()
    {
        var transcript = ToolCallTranscript.Run(new ToolCallParser(forced: true, forcedName: "w"), Chars("{\"city\": \"Rome\", \"u\": [1, 2]}"));
        Assert.Equal([("w", "{\"city\":\"Rome\",\"u\":[1,2]}")], transcript.Committed);
    }

    // Splits between characters, never inside a surrogate pair (a detokenizer emits whole code points).
    private static List<string> RandomPieces(string text, Random random)
    {
        var pieces = new List<string>();
        var at = 0;
        while (at < text.Length)
        {
            var length = Math.Min(text.Length - at, random.Next(1, 8));
            if (at + length < text.Length && char.IsHighSurrogate(text[at + length - 1])) length++;
            pieces.Add(text.Substring(at, length));
            at += length;
        }
        return pieces;
    }
}
