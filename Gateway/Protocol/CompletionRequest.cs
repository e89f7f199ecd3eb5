namespace DynamoOrleans.Gateway.Protocol;

/// <summary>One prompt of a completions request: text, or token ids given by the client.</summary>
public sealed record CompletionPrompt(string? Text, int[]? TokenIds);

/// <summary>A validated /v1/completions request. Several prompts give <c>prompts × n</c> choices.</summary>
public sealed record CompletionRequest(GenerationOptions Generation, IReadOnlyList<CompletionPrompt> Prompts, bool Echo);
