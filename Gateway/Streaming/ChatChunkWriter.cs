using System.Text.Json;
using DynamoOrleans.Gateway.Parsing;
using DynamoOrleans.Gateway.Preprocessing;

namespace DynamoOrleans.Gateway.Streaming;

/// <summary>
/// Writes <c>chat.completion.chunk</c> events. Per choice: a first chunk with the role, then content
/// and reasoning deltas; each tool call as OpenAI streams it (index, id, type and name with empty
/// arguments, then the arguments), and the finish reason last.
/// </summary>
public sealed class ChatChunkWriter(SseWriter sse, ResponseHeader header, IPromptPreprocessor tokens, int choices)
{
    private readonly bool[] _roleSent = new bool[choices];
    private readonly int[] _toolCalls = new int[choices];

    public void Write(in ChoiceDelta delta)
    {
        var index = delta.Index;
        if (!_roleSent[index])
        {
            _roleSent[index] = true;
            var w = Begin();
            w.WriteStartObject("delta"u8);
            w.WriteString("role"u8, "assistant");
            w.WriteString("content"u8, "");
            w.WriteEndObject();
            End(w, index, null);
        }
        var calls = delta.ToolCalls;
        var hasText = delta.Content.Length > 0 || delta.Reasoning.Length > 0 || delta.Logprob is not null;
        if (hasText || (calls is null && delta.FinishReason is not null))
        {
            var w = Begin();
            w.WriteStartObject("delta"u8);
            if (delta.Reasoning.Length > 0) w.WriteString("reasoning_content"u8, delta.Reasoning);
            if (delta.Content.Length > 0) w.WriteString("content"u8, delta.Content);
            w.WriteEndObject();
            if (delta.Logprob is { } entry)
            {
                w.WriteStartObject("logprobs"u8);
                w.WriteStartArray("content"u8);
                LogprobJson.WriteChatEntry(w, entry, tokens);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            End(w, index, calls is null ? delta.FinishReason : null);
        }
        if (calls is null) return;
        foreach (var call in calls)
            WriteToolCall(index, _toolCalls[index]++, call);
        if (delta.FinishReason is not null)
        {
            var w = Begin();
            w.WriteStartObject("delta"u8);
            w.WriteEndObject();
            End(w, index, delta.FinishReason);
        }
    }

    public void WriteUsage(UsageCounts usage)
    {
        var w = sse.BeginEvent();
        WriteHeader(w);
        w.WriteStartArray("choices"u8);
        w.WriteEndArray();
        UsageJson.Write(w, usage);
        w.WriteEndObject();
        sse.EndEvent();
    }

    private void WriteToolCall(int index, int callIndex, ToolCall call)
    {
        var w = Begin();
        w.WriteStartObject("delta"u8);
        w.WriteStartArray("tool_calls"u8);
        w.WriteStartObject();
        w.WriteNumber("index"u8, callIndex);
        w.WriteString("id"u8, call.Id);
        w.WriteString("type"u8, "function");
        w.WriteStartObject("function"u8);
        w.WriteString("name"u8, call.Name);
        w.WriteString("arguments"u8, "");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        End(w, index, null);

        w = Begin();
        w.WriteStartObject("delta"u8);
        w.WriteStartArray("tool_calls"u8);
        w.WriteStartObject();
        w.WriteNumber("index"u8, callIndex);
        w.WriteStartObject("function"u8);
        w.WriteString("arguments"u8, call.Arguments);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        End(w, index, null);
    }

    private Utf8JsonWriter Begin()
    {
        var w = sse.BeginEvent();
        WriteHeader(w);
        w.WriteStartArray("choices"u8);
        w.WriteStartObject();
        return w;
    }

    private void End(Utf8JsonWriter w, int index, string? finishReason)
    {
        w.WriteNumber("index"u8, index);
        if (finishReason is null) w.WriteNull("finish_reason"u8); else w.WriteString("finish_reason"u8, finishReason);
        w.WriteEndObject();
        w.WriteEndArray();
        if (header.IncludeUsage) w.WriteNull("usage"u8);
        w.WriteEndObject();
        sse.EndEvent();
    }

    private void WriteHeader(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("id"u8, header.EncodedId);
        w.WriteString("object"u8, "chat.completion.chunk");
        w.WriteNumber("created"u8, header.Created);
        w.WriteString("model"u8, header.EncodedModel);
    }
}
