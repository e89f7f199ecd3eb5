namespace DynamoOrleans.Gateway.Protocol;

/// <summary>What chat and completions requests share: sampling, stopping, choices, streaming and logprobs.</summary>
public sealed record GenerationOptions
{
    public required string Model { get; init; }

    /// <summary>Null: fill the rest of the context (chat) or the legacy default of 16 (completions).</summary>
    public int? MaxTokens { get; init; }

    public int MinTokens { get; init; }

    public float Temperature { get; init; } = 1f;

    public float TopP { get; init; } = 1f;

    public int TopK { get; init; }

    public float MinP { get; init; }

    public long? Seed { get; init; }

    public float PresencePenalty { get; init; }

    public float FrequencyPenalty { get; init; }

    public float RepetitionPenalty { get; init; } = 1f;

    public IReadOnlyList<string> Stop { get; init; } = [];

    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    public bool IgnoreEos { get; init; }

    public int N { get; init; } = 1;

    public bool Stream { get; init; }

    public bool IncludeUsage { get; init; }

    /// <summary>Null: no logprobs; otherwise how many alternatives per token (0 = the chosen token only).</summary>
    public int? Logprobs { get; init; }

    public string? User { get; init; }
}
