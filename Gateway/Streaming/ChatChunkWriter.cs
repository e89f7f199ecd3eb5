using System.Text.Json;
using DynamoOrleans.Gateway.Parsing;
using DynamoOrleans.Gateway.Preprocessing;

namespace DynamoOrleans.Gateway.Streaming;

/// <summary>
/// Writes <c>chat.completion.chunk</c> events. Per choice: a first chunk with the role, then content
/// and reasoning deltas; each tool call as OpenAI streams it (index, id, type and name with empty
/// arguments as soon as the name is known, then one delta per arguments fragment as it is
/// generated), and the finish reason last.
/// </summary>
public sealed class ChatChunkWriter(SseWriter sse, ResponseHeader header, IPromptPreprocessor tokens, int choices)
{
    private readonly bool[] _roleSent = new bool[choices];

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
        var writesCalls = WritesAnything(calls);
        var hasText = delta.Content.Length > 0 || delta.Reasoning.Length > 0 || delta.Logprob is not null;
        if (hasText || (!writesCalls && delta.FinishReason is not null))
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
            End(w, index, writesCalls ? null : delta.FinishReason);
        }
        if (!writesCalls) return;
        for (var i = 0; i < calls.Count; i++)
            WriteToolCall(index, calls[i]);
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

    // Commits and drops change nothing a client sees: a call is a header, then argument fragments.
    private static bool WritesAnything(in ToolCallChunks calls)
    {
        for (var i = 0; i < calls.Count; i++)
            if (calls[i].Id is not null || calls[i].Arguments.Length > 0) return true;
        return false;
    }

    private void WriteToolCall(int index, in ToolCallChunk call)
    {
        if (call.Id is not null)
        {
            var w = Begin();
            WriteToolCallStart(w, call.Index);
            w.WriteString("id"u8, call.Id);
            w.WriteString("type"u8, "function");
            w.WriteStartObject("function"u8);
            w.WriteString("name"u8, call.Name);
            w.WriteString("arguments"u8, "");
            WriteToolCallEnd(w);
            End(w, index, null);
        }
        if (call.Arguments.Length > 0)
        {
            var w = Begin();
            WriteToolCallStart(w, call.Index);
            w.WriteStartObject("function"u8);
            w.WriteString("arguments"u8, call.Arguments);
            WriteToolCallEnd(w);
            End(w, index, null);
        }
    }

    private static void WriteToolCallStart(Utf8JsonWriter w, int callIndex)
    {
        w.WriteStartObject("delta"u8);
        w.WriteStartArray("tool_calls"u8);
        w.WriteStartObject();
        w.WriteNumber("index"u8, callIndex);
    }

    private static void WriteToolCallEnd(Utf8JsonWriter w)
    {
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
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
