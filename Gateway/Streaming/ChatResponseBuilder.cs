using System.Text;
using System.Text.Json;
using DynamoOrleans.Gateway.Parsing;
using DynamoOrleans.Gateway.Preprocessing;

namespace DynamoOrleans.Gateway.Streaming;

/// <summary>
/// Collects the deltas of a non-streaming chat request and writes one <c>chat.completion</c> object.
/// Tool calls are assembled from the same chunks a stream carries, so a call's arguments here are
/// the concatenation of the fragments a streaming client receives.
/// </summary>
public sealed class ChatResponseBuilder(ResponseHeader header, IPromptPreprocessor tokens, int choices, bool logprobs)
{
    private readonly Choice[] _choices = Enumerable.Range(0, choices).Select(_ => new Choice()).ToArray();

    public void Add(in ChoiceDelta delta)
    {
        var choice = _choices[delta.Index];
        choice.Content.Append(delta.Content);
        choice.Reasoning.Append(delta.Reasoning);
        for (var i = 0; i < delta.ToolCalls.Count; i++) choice.Apply(delta.ToolCalls[i]);
        if (delta.Logprob is { } entry) choice.Logprobs.Add(entry);
        if (delta.FinishReason is not null) choice.FinishReason = delta.FinishReason;
    }

    public void Write(Utf8JsonWriter w, UsageCounts usage)
    {
        w.WriteStartObject();
        w.WriteString("id"u8, header.Id);
        w.WriteString("object"u8, "chat.completion");
        w.WriteNumber("created"u8, header.Created);
        w.WriteString("model"u8, header.Model);
        w.WriteStartArray("choices"u8);
        for (var i = 0; i < _choices.Length; i++)
        {
            var choice = _choices[i];
            w.WriteStartObject();
            w.WriteNumber("index"u8, i);
            w.WriteStartObject("message"u8);
            w.WriteString("role"u8, "assistant");
            var content = choice.Content.ToString();
            if (choice.ToolCalls.Count > 0 && string.IsNullOrWhiteSpace(content)) w.WriteNull("content"u8);
            else w.WriteString("content"u8, content);
            if (choice.Reasoning.Length > 0) w.WriteString("reasoning_content"u8, choice.Reasoning.ToString());
            if (choice.ToolCalls.Count > 0) WriteToolCalls(w, choice.ToolCalls);
            w.WriteEndObject();
            if (logprobs)
            {
                w.WriteStartObject("logprobs"u8);
                w.WriteStartArray("content"u8);
                foreach (var entry in choice.Logprobs) LogprobJson.WriteChatEntry(w, entry, tokens);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("logprobs"u8);
            }
            w.WriteString("finish_reason"u8, choice.FinishReason ?? "stop");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        UsageJson.Write(w, usage);
        w.WriteEndObject();
    }

    private static void WriteToolCalls(Utf8JsonWriter w, List<ToolCall> calls)
    {
        w.WriteStartArray("tool_calls"u8);
        foreach (var call in calls)
        {
            w.WriteStartObject();
            w.WriteString("id"u8, call.Id);
            w.WriteString("type"u8, "function");
            w.WriteStartObject("function"u8);
            w.WriteString("name"u8, call.Name);
            w.WriteString("arguments"u8, call.Arguments);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private sealed class Choice
    {
        private readonly Dictionary<int, (string Id, string Name, StringBuilder Arguments)> _open = [];

        public StringBuilder Content { get; } = new();

        public StringBuilder Reasoning { get; } = new();

        public List<ToolCall> ToolCalls { get; } = [];

        public List<LogprobEntry> Logprobs { get; } = [];

        public string? FinishReason { get; set; }

        public void Apply(in ToolCallChunk chunk)
        {
            if (chunk.Id is not null) _open[chunk.Index] = (chunk.Id, chunk.Name ?? string.Empty, new StringBuilder());
            if (!_open.TryGetValue(chunk.Index, out var call)) return;
            call.Arguments.Append(chunk.Arguments);
            if (chunk.Status == ToolCallStatus.Streaming) return;
            _open.Remove(chunk.Index);
            if (chunk.Status == ToolCallStatus.Committed) ToolCalls.Add(new ToolCall(call.Id, call.Name, call.Arguments.ToString()));
        }
    }
}
