using System.Text.Json;

namespace DynamoOrleans.Gateway.Streaming;

/// <summary>The fields every response object and chunk of one request repeats.</summary>
public sealed record ResponseHeader(string Id, long Created, string Model, bool IncludeUsage)
{
    /// <summary>Id and model escaped once, since every chunk of a stream repeats them.</summary>
    public JsonEncodedText EncodedId { get; } = JsonEncodedText.Encode(Id);

    public JsonEncodedText EncodedModel { get; } = JsonEncodedText.Encode(Model);

    public static ResponseHeader Create(string prefix, string model, bool includeUsage, TimeProvider time) =>
        new(prefix + Guid.NewGuid().ToString("N"), time.GetUtcNow().ToUnixTimeSeconds(), model, includeUsage);
}

/// <summary>Token counts for the usage object.</summary>
public readonly record struct UsageCounts(int PromptTokens, int CompletionTokens, int CachedTokens);
