using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Gateway.Protocol;

/// <summary>Checks a prompt against the context window and turns request options into the engine's sampling parameters.</summary>
public static class SamplingFactory
{
    /// <summary>Completions' legacy default when max_tokens is absent.</summary>
    public const int CompletionsDefaultMaxTokens = 16;

    /// <param name="fillContext">True for chat: an absent max_tokens fills the rest of the context, as vLLM does.</param>
    public static SamplingParams Create(GenerationOptions options, int promptTokens, ModelCard model, bool fillContext, int choiceIndex = 0)
    {
        var context = model.MaxContextLength;
        if (promptTokens == 0)
            throw ApiError.BadRequest("The prompt is empty.", fillContext ? "messages" : "prompt", "invalid_value");
        if (promptTokens >= context)
            throw ApiError.BadRequest(
                $"This model's maximum context length is {context} tokens. However, your request has {promptTokens} input tokens. Please reduce the length of the input.",
                fillContext ? "messages" : "prompt", "context_length_exceeded");
        var room = context - promptTokens;
        int maxTokens;
        if (options.MaxTokens is { } requested)
        {
            if (requested > room)
                throw ApiError.BadRequest(
                    $"This model's maximum context length is {context} tokens. However, you requested {(long)promptTokens + requested} tokens ({promptTokens} in the input, {requested} in the completion). Please reduce the length of the input or the completion.",
                    "max_tokens", "context_length_exceeded");
            maxTokens = requested;
        }
        else
        {
            maxTokens = fillContext ? room : Math.Min(CompletionsDefaultMaxTokens, room);
        }
        if (options.MinTokens > maxTokens)
            throw ApiError.BadRequest($"'min_tokens' ({options.MinTokens}) must not exceed max_tokens ({maxTokens}).", "min_tokens", "invalid_value");
        foreach (var id in options.StopTokenIds)
            if (id >= model.VocabSize)
                throw ApiError.BadRequest($"stop_token_ids contains {id}, outside the vocabulary (size {model.VocabSize}).", "stop_token_ids", "invalid_value");

        return new SamplingParams
        {
            Temperature = options.Temperature,
            TopP = options.TopP,
            TopK = options.TopK,
            MinP = options.MinP,
            // Each choice gets its own stream of randomness, reproducible from the request's seed.
            Seed = options.Seed is { } seed ? unchecked(seed + choiceIndex) : null,
            PresencePenalty = options.PresencePenalty,
            FrequencyPenalty = options.FrequencyPenalty,
            RepetitionPenalty = options.RepetitionPenalty,
            MaxTokens = maxTokens,
            MinTokens = options.MinTokens,
            StopTokenIds = options.StopTokenIds,
            IgnoreEos = options.IgnoreEos,
            Logprobs = options.Logprobs,
        };
    }

    /// <summary>Token ids that end a choice without their text being shown: EOS and the request's stop ids.</summary>
    public static IReadOnlyList<int> SilentStopIds(GenerationOptions options, ModelCard model) =>
        options.StopTokenIds.Count == 0 ? model.EosTokenIds : [.. model.EosTokenIds, .. options.StopTokenIds];
}
