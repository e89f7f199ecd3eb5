using System.Text.Json;

namespace DynamoOrleans.Gateway.Streaming;

/// <summary>Writes the <c>usage</c> property, with <c>prompt_tokens_details.cached_tokens</c>.</summary>
public static class UsageJson
{
    public static void Write(Utf8JsonWriter w, UsageCounts usage)
    {
        w.WriteStartObject("usage"u8);
        w.WriteNumber("prompt_tokens"u8, usage.PromptTokens);
        w.WriteNumber("completion_tokens"u8, usage.CompletionTokens);
        w.WriteNumber("total_tokens"u8, usage.PromptTokens + usage.CompletionTokens);
        w.WriteStartObject("prompt_tokens_details"u8);
        w.WriteNumber("cached_tokens"u8, usage.CachedTokens);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
