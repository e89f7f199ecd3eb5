namespace DynamoOrleans.Engine.Serving;

public enum FinishReason
{
    /// <summary>EOS or a stop token id.</summary>
    Stop,

    /// <summary>max_tokens reached, or the context is full.</summary>
    Length,

    /// <summary>The caller cancelled.</summary>
    Cancelled,

    /// <summary>The engine failed; the stream ends with an exception after this.</summary>
    Error,
}

public readonly record struct TokenLogprob(int TokenId, float Logprob);

/// <summary>
/// One generated token. <see cref="Finish"/> is set on the last one. <see cref="TopLogprobs"/> is
/// null unless the request asked for alternatives, so the common path allocates nothing per token.
/// </summary>
public readonly record struct TokenOutput(int TokenId, FinishReason? Finish)
{
    /// <summary>Logprob of <see cref="TokenId"/>; NaN when logprobs were not requested.</summary>
    public float Logprob { get; init; } = float.NaN;

    public TokenLogprob[]? TopLogprobs { get; init; }

    /// <summary>Prompt tokens served from the prefix cache (the same value on every output of a request).</summary>
    public int CachedPromptTokens { get; init; }

    /// <summary>True on the output that ends the stream.</summary>
    public bool IsFinal => Finish is not null;
}
