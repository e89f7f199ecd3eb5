using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Parsing;

namespace DynamoOrleans.Gateway.Streaming;

/// <summary>The logprob of one generated token and its alternatives, if asked for.</summary>
public readonly record struct LogprobEntry(int TokenId, float Logprob, TokenLogprob[]? Top);

/// <summary>
/// What one engine step adds to one choice: released content and reasoning, tool-call chunks
/// (headers, argument fragments, commits), the token's logprob, and on the last step the finish
/// reason (OpenAI's string).
/// </summary>
public readonly record struct ChoiceDelta(
    int Index,
    string Content,
    string Reasoning,
    ToolCallChunks ToolCalls,
    LogprobEntry? Logprob,
    string? FinishReason)
{
    public bool IsEmpty => string.IsNullOrEmpty(Content) && string.IsNullOrEmpty(Reasoning) && ToolCalls.Count == 0 && Logprob is null && FinishReason is null;
}
