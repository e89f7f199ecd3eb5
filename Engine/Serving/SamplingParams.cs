namespace DynamoOrleans.Engine.Serving;

/// <summary>How to pick each next token and when to stop; the fields follow vLLM's SamplingParams.</summary>
public sealed record SamplingParams
{
    /// <summary>0 means greedy.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>1 disables nucleus filtering.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>0 disables top-k filtering.</summary>
    public int TopK { get; init; }

    /// <summary>0 disables min-p filtering.</summary>
    public float MinP { get; init; }

    /// <summary>Makes sampling reproducible per request; null draws from a shared generator.</summary>
    public long? Seed { get; init; }

    public float PresencePenalty { get; init; }

    public float FrequencyPenalty { get; init; }

    /// <summary>1 disables it; applies to prompt and output tokens as in vLLM.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    public int MaxTokens { get; init; } = 16;

    /// <summary>Stop tokens and EOS are ignored until this many tokens are out.</summary>
    public int MinTokens { get; init; }

    /// <summary>Tokens that finish the sequence (reason Stop), in addition to the model's EOS ids.</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    public bool IgnoreEos { get; init; }

    /// <summary>Null: no logprobs. 0: the chosen token's logprob only. k: plus the top k alternatives.</summary>
    public int? Logprobs { get; init; }

    /// <summary>Null: no prompt logprobs (not supported yet beyond null).</summary>
    public int? PromptLogprobs { get; init; }
}
