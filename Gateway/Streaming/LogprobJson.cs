using System.Text;
using System.Text.Json;
using DynamoOrleans.Gateway.Preprocessing;

namespace DynamoOrleans.Gateway.Streaming;

/// <summary>Writes logprobs in the chat shape (content[{token,logprob,bytes,top_logprobs}]) and the completions shape.</summary>
public static class LogprobJson
{
    /// <summary>One chat logprob entry.</summary>
    public static void WriteChatEntry(Utf8JsonWriter w, in LogprobEntry entry, IPromptPreprocessor tokens)
    {
        w.WriteStartObject();
        WriteTokenFields(w, tokens.TokenText(entry.TokenId), entry.Logprob);
        w.WriteStartArray("top_logprobs"u8);
        if (entry.Top is { } top)
        {
            foreach (var alt in top)
            {
                w.WriteStartObject();
                WriteTokenFields(w, tokens.TokenText(alt.TokenId), alt.Logprob);
                w.WriteEndObject();
            }
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>A completions logprobs object for a run of entries; <paramref name="textOffsets"/> is parallel to it.</summary>
    public static void WriteCompletionObject(Utf8JsonWriter w, IReadOnlyList<LogprobEntry> entries, IReadOnlyList<int> textOffsets, IPromptPreprocessor tokens)
    {
        w.WriteStartObject();
        w.WriteStartArray("tokens"u8);
        foreach (var e in entries) w.WriteStringValue(tokens.TokenText(e.TokenId));
        w.WriteEndArray();
        w.WriteStartArray("token_logprobs"u8);
        foreach (var e in entries) w.WriteNumberValue(Finite(e.Logprob));
        w.WriteEndArray();
        w.WriteStartArray("top_logprobs"u8);
        foreach (var e in entries)
        {
            w.WriteStartObject();
            if (e.Top is { } top)
                foreach (var alt in top)
                    w.WriteNumber(tokens.TokenText(alt.TokenId), Finite(alt.Logprob));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("text_offset"u8);
        foreach (var offset in textOffsets) w.WriteNumberValue(offset);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteTokenFields(Utf8JsonWriter w, string token, float logprob)
    {
        w.WriteString("token"u8, token);
        w.WriteNumber("logprob"u8, Finite(logprob));
        w.WriteStartArray("bytes"u8);
        Span<byte> buffer = stackalloc byte[64];
        var bytes = Encoding.UTF8.GetMaxByteCount(token.Length) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(token, buffer)] : Encoding.UTF8.GetBytes(token);
        foreach (var b in bytes) w.WriteNumberValue(b);
        w.WriteEndArray();
    }

    // JSON has no -Infinity; OpenAI reports impossible tokens as -9999.0.
    private static float Finite(float logprob) => float.IsFinite(logprob) ? logprob : -9999f;
}
