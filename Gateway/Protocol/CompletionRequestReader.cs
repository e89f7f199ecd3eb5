using System.Text.Json;
using System.Text.Json.Nodes;

namespace DynamoOrleans.Gateway.Protocol;

/// <summary>Validates a legacy completions body: prompt as string, strings, token ids or lists of token ids.</summary>
internal static class CompletionRequestReader
{
    public const int MaxPrompts = 64;

    public static CompletionRequest Read(JsonObject body, GatewayOptions limits)
    {
        var logprobs = (int?)JsonFields.OptionalInteger(body, "logprobs", 0, limits.MaxTopLogprobs);
        var generation = GenerationOptionsReader.Read(body, limits, logprobs);
        var echo = JsonFields.OptionalBool(body, "echo") ?? false;
        if (echo && logprobs is not null)
            throw ApiError.BadRequest("'echo' together with 'logprobs' needs prompt logprobs, which this server does not support.", "echo", "unsupported_parameter");
        if (JsonFields.OptionalString(body, "suffix") is { Length: > 0 })
            throw ApiError.BadRequest("'suffix' is not supported by this server.", "suffix", "unsupported_parameter");
        var bestOf = JsonFields.OptionalInteger(body, "best_of", 1, limits.MaxChoices);
        if (bestOf is not null && bestOf != generation.N)
            throw ApiError.BadRequest("'best_of' different from 'n' is not supported by this server.", "best_of", "unsupported_parameter");
        var prompts = ReadPrompts(body);
        if (prompts.Count * generation.N > limits.MaxChoices)
            throw ApiError.BadRequest($"prompts × n must be at most {limits.MaxChoices}.", "n", "invalid_value");
        return new CompletionRequest(generation, prompts, echo);
    }

    private static List<CompletionPrompt> ReadPrompts(JsonObject body)
    {
        var node = body["prompt"] ?? throw ApiError.BadRequest("Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter");
        if (node.GetValueKind() == JsonValueKind.String) return [new CompletionPrompt(node.GetValue<string>(), null)];
        if (node is not JsonArray array) throw JsonFields.TypeError("prompt", "a string, an array of strings or an array of token ids", node);
        if (array.Count == 0) throw ApiError.BadRequest("'prompt' must not be empty.", "prompt", "invalid_value");
        if (array.Count > MaxPrompts && array[0]?.GetValueKind() != JsonValueKind.Number)
            throw ApiError.BadRequest($"At most {MaxPrompts} prompts per request.", "prompt", "invalid_value");
        switch (array[0]?.GetValueKind())
        {
            case JsonValueKind.Number:
                return [new CompletionPrompt(null, ReadIds(array, "prompt"))];
            case JsonValueKind.String:
                var texts = new List<CompletionPrompt>(array.Count);
                foreach (var item in array)
                {
                    if (item is null || item.GetValueKind() != JsonValueKind.String) throw JsonFields.TypeError("prompt", "an array of strings", item);
                    texts.Add(new CompletionPrompt(item.GetValue<string>(), null));
                }
                return texts;
            case JsonValueKind.Array:
                var lists = new List<CompletionPrompt>(array.Count);
                foreach (var item in array)
                {
                    if (item is not JsonArray ids || ids.Count == 0) throw JsonFields.TypeError("prompt", "an array of non-empty token id arrays", item);
                    lists.Add(new CompletionPrompt(null, ReadIds(ids, "prompt")));
                }
                return lists;
            default:
                throw JsonFields.TypeError("prompt", "a string, an array of strings or an array of token ids", array[0]);
        }
    }

    private static int[] ReadIds(JsonArray array, string param)
    {
        var ids = new int[array.Count];
        for (var i = 0; i < ids.Length; i++)
            ids[i] = (int)JsonFields.ReadInteger(array[i] ?? throw JsonFields.TypeError(param, "an integer", null), param, 0, int.MaxValue);
        return ids;
    }
}
