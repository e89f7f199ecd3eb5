using System.Text;
using System.Text.Json;
using DynamoOrleans.Gateway.Preprocessing;

namespace DynamoOrleans.Gateway.Streaming;

/// <summary>
/// Writes <c>text_completion</c> objects: one chunk per delta when streaming, or one object
/// collected from all deltas. Tracks each choice's text length for logprobs' <c>text_offset</c>.
/// </summary>
public sealed class CompletionWriter(ResponseHeader header, IPromptPreprocessor tokens, int choices, bool logprobs, IReadOnlyList<string> echoes)
{
    private readonly StringBuilder[] _text = Enumerable.Range(0, choices).Select(_ => new StringBuilder()).ToArray();
    private readonly List<LogprobEntry>[] _logprobs = Enumerable.Range(0, choices).Select(_ => new List<LogprobEntry>()).ToArray();
    private readonly List<int>[] _offsets = Enumerable.Range(0, choices).Select(_ => new List<int>()).ToArray();
    private readonly string?[] _finish = new string?[choices];
    private readonly int[] _length = new int[choices];
    private readonly bool[] _echoed = new bool[choices];

    /// <summary>Streams one delta as a chunk.</summary>
    public void WriteChunk(SseWriter sse, in ChoiceDelta delta)
    {
        var i = delta.Index;
        var text = delta.Content;
        if (!_echoed[i])
        {
            _echoed[i] = true;
            text = echoes[i] + text;
        }
        var offset = _length[i];
        _length[i] += text.Length;
        if (text.Length == 0 && delta.Logprob is null && delta.FinishReason is null) return;
        var w = sse.BeginEvent();
        WriteHeader(w);
        w.WriteStartArray("choices"u8);
        w.WriteStartObject();
        w.WriteNumber("index"u8, i);
        w.WriteString("text"u8, text);
        if (delta.Logprob is { } entry) { w.WritePropertyName("logprobs"u8); LogprobJson.WriteCompletionObject(w, [entry], [offset], tokens); }
        else w.WriteNull("logprobs"u8);
        if (delta.FinishReason is null) w.WriteNull("finish_reason"u8); else w.WriteString("finish_reason"u8, delta.FinishReason);
        w.WriteEndObject();
        w.WriteEndArray();
        if (header.IncludeUsage) w.WriteNull("usage"u8);
        w.WriteEndObject();
        sse.EndEvent();
    }

    public void WriteUsageChunk(SseWriter sse, UsageCounts usage)
    {
        var w = sse.BeginEvent();
        WriteHeader(w);
        w.WriteStartArray("choices"u8);
        w.WriteEndArray();
        UsageJson.Write(w, usage);
        w.WriteEndObject();
        sse.EndEvent();
    }

    /// <summary>Collects one delta for the non-streaming answer.</summary>
    public void Add(in ChoiceDelta delta)
    {
        var i = delta.Index;
        if (!_echoed[i])
        {
            _echoed[i] = true;
            _text[i].Append(echoes[i]);
        }
        if (delta.Logprob is { } entry)
        {
            _logprobs[i].Add(entry);
            _offsets[i].Add(_text[i].Length);
        }
        _text[i].Append(delta.Content);
        if (delta.FinishReason is not null) _finish[i] = delta.FinishReason;
    }

    public void WriteResponse(Utf8JsonWriter w, UsageCounts usage)
    {
        WriteHeader(w);
        w.WriteStartArray("choices"u8);
        for (var i = 0; i < _text.Length; i++)
        {
            w.WriteStartObject();
            w.WriteNumber("index"u8, i);
            w.WriteString("text"u8, (_echoed[i] ? string.Empty : echoes[i]) + _text[i].ToString());
            if (logprobs) { w.WritePropertyName("logprobs"u8); LogprobJson.WriteCompletionObject(w, _logprobs[i], _offsets[i], tokens); }
            else w.WriteNull("logprobs"u8);
            w.WriteString("finish_reason"u8, _finish[i] ?? "stop");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        UsageJson.Write(w, usage);
        w.WriteEndObject();
    }

    private void WriteHeader(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("id"u8, header.EncodedId);
        w.WriteString("object"u8, "text_completion");
        w.WriteNumber("created"u8, header.Created);
        w.WriteString("model"u8, header.EncodedModel);
    }
}
