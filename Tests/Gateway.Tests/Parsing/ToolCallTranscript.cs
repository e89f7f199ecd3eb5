using DynamoOrleans.Gateway.Parsing;

namespace DynamoOrleans.Gateway.Tests.Parsing;

/// <summary>
/// Feeds a parser piece by piece and records what a streaming client would see (headers, argument
/// fragments per index, content) and what the message ends up holding (committed calls), checking
/// the streaming invariants on the way.
/// </summary>
public sealed class ToolCallTranscript
{
    private readonly Dictionary<int, (string Id, string Name, List<string> Fragments, ToolCallStatus Status)> _calls = [];

    public string Content { get; private set; } = "";

    /// <summary>Calls as they stand at the end, by index.</summary>
    public IReadOnlyDictionary<int, (string Id, string Name, List<string> Fragments, ToolCallStatus Status)> Calls => _calls;

    /// <summary>The committed calls in index order with their concatenated arguments.</summary>
    public List<(string Name, string Arguments)> Committed =>
        _calls.OrderBy(c => c.Key).Where(c => c.Value.Status == ToolCallStatus.Committed)
            .Select(c => (c.Value.Name, string.Concat(c.Value.Fragments))).ToList();

    /// <summary>Every non-empty argument fragment of one call, in order.</summary>
    public List<string> Fragments(int index) => _calls[index].Fragments;

    public static ToolCallTranscript Run(ToolCallParser parser, IEnumerable<string> pieces)
    {
        var transcript = new ToolCallTranscript();
        foreach (var piece in pieces) transcript.Add(parser.Push(piece));
        transcript.Add(parser.Flush());
        return transcript;
    }

    public static ToolCallTranscript Run(ToolCallParser parser, params string[] pieces) => Run(parser, (IEnumerable<string>)pieces);

    public void Add(ToolParseDelta delta)
    {
        Content += delta.Content;
        for (var i = 0; i < delta.Calls.Count; i++)
        {
            var chunk = delta.Calls[i];
            if (chunk.Id is not null)
            {
                Assert.False(_calls.ContainsKey(chunk.Index), $"index {chunk.Index} started twice");
                Assert.Equal(_calls.Count, chunk.Index);
                Assert.StartsWith("call_", chunk.Id, StringComparison.Ordinal);
                Assert.False(string.IsNullOrEmpty(chunk.Name));
                _calls[chunk.Index] = (chunk.Id, chunk.Name!, [], ToolCallStatus.Streaming);
            }
            Assert.True(_calls.TryGetValue(chunk.Index, out var call), $"chunk for index {chunk.Index} before its header");
            Assert.Equal(ToolCallStatus.Streaming, call.Status);
            if (chunk.Arguments.Length > 0) call.Fragments.Add(chunk.Arguments);
            _calls[chunk.Index] = call with { Status = chunk.Status };
        }
    }
}
