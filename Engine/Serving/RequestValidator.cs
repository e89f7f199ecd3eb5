namespace DynamoOrleans.Engine.Serving;

/// <summary>Checks a request against the served model before it is queued, so a bad one fails at once and never reaches the step loop.</summary>
public static class RequestValidator
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first problem.</summary>
    public static void ThrowIfInvalid(GenerateRequest request, int vocabSize, int maxContextLength)
    {
        ArgumentNullException.ThrowIfNull(request);
        var prompt = request.PromptTokenIds;
        if (prompt is null || prompt.Count == 0)
            throw new ArgumentException("the prompt is empty", nameof(request));
        if (prompt.Count >= maxContextLength)
            throw new ArgumentException($"the prompt has {prompt.Count} tokens; this engine serves at most {maxContextLength - 1} prompt tokens (context {maxContextLength})", nameof(request));
        for (var i = 0; i < prompt.Count; i++)
            if ((uint)prompt[i] >= (uint)vocabSize)
                throw new ArgumentException($"prompt token {i} is {prompt[i]}, outside the vocabulary [0, {vocabSize})", nameof(request));

        var s = request.Sampling ?? throw new ArgumentException("sampling parameters are missing", nameof(request));
        if (!(s.Temperature >= 0) || float.IsInfinity(s.Temperature))
            throw new ArgumentException($"temperature must be finite and non-negative (got {s.Temperature})", nameof(request));
        if (!(s.TopP > 0 && s.TopP <= 1))
            throw new ArgumentException($"top_p must be in (0, 1] (got {s.TopP})", nameof(request));
        if (s.TopK < 0)
            throw new ArgumentException($"top_k must be 0 (off) or positive (got {s.TopK})", nameof(request));
        if (!(s.MinP >= 0 && s.MinP <= 1))
            throw new ArgumentException($"min_p must be in [0, 1] (got {s.MinP})", nameof(request));
        if (!(s.RepetitionPenalty > 0) || float.IsInfinity(s.RepetitionPenalty))
            throw new ArgumentException($"repetition_penalty must be positive (got {s.RepetitionPenalty})", nameof(request));
        if (!float.IsFinite(s.PresencePenalty) || !float.IsFinite(s.FrequencyPenalty))
            throw new ArgumentException("presence and frequency penalties must be finite", nameof(request));
        if (s.MaxTokens < 1)
            throw new ArgumentException($"max_tokens must be at least 1 (got {s.MaxTokens})", nameof(request));
        if (s.MinTokens < 0 || s.MinTokens > s.MaxTokens)
            throw new ArgumentException($"min_tokens must be in [0, max_tokens] (got {s.MinTokens})", nameof(request));
        if (s.Logprobs is < 0)
            throw new ArgumentException($"logprobs must be non-negative (got {s.Logprobs})", nameof(request));
        if (s.PromptLogprobs is not null)
            throw new NotSupportedException("prompt logprobs are not supported yet");
    }
}
