using System.Text.Json;
using System.Text.Json.Nodes;

namespace DynamoOrleans.Gateway.Protocol;

/// <summary>Reads and range-checks the fields that chat and completions share.</summary>
internal static class GenerationOptionsReader
{
    public const int MaxStopStrings = 16;

    /// <summary>top_p is (0, 1]; the floor keeps it above zero once narrowed to float.</summary>
    public const double MinTopP = 1e-6;

    public static GenerationOptions Read(JsonObject body, GatewayOptions limits, int? logprobs)
    {
        var model = JsonFields.RequiredString(body, "model");
        var maxTokens = JsonFields.OptionalInteger(body, "max_completion_tokens", 1, int.MaxValue)
            ?? JsonFields.OptionalInteger(body, "max_tokens", 1, int.MaxValue);
        var n = (int)(JsonFields.OptionalInteger(body, "n", 1, limits.MaxChoices) ?? 1);
        var stream = JsonFields.OptionalBool(body, "stream") ?? false;
        var streamOptions = JsonFields.OptionalObject(body, "stream_options");
        var includeUsage = false;
        if (streamOptions is not null)
        {
            if (!stream)
                throw ApiError.BadRequest("stream_options is only allowed when 'stream' is true.", "stream_options");
            includeUsage = JsonFields.OptionalBool(streamOptions, "include_usage") ?? false;
        }

        RejectLogitBias(body);
        var defaults = limits.DefaultSampling;
        var temperature = (float?)JsonFields.OptionalNumber(body, "temperature", 0, 2) ?? defaults.Temperature;
        return new GenerationOptions
        {
            Model = model,
            MaxTokens = (int?)maxTokens,
            MinTokens = (int)(JsonFields.OptionalInteger(body, "min_tokens", 0, int.MaxValue) ?? 0),
            Temperature = temperature,
            TopP = (float?)JsonFields.OptionalNumber(body, "top_p", MinTopP, 1) ?? defaults.TopP,
            TopK = Math.Max(0, (int?)JsonFields.OptionalInteger(body, "top_k", -1, int.MaxValue) ?? defaults.TopK),
            MinP = (float?)JsonFields.OptionalNumber(body, "min_p", 0, 1) ?? defaults.MinP,
            Seed = JsonFields.OptionalInteger(body, "seed", long.MinValue, long.MaxValue),
            PresencePenalty = (float)(JsonFields.OptionalNumber(body, "presence_penalty", -2, 2) ?? 0),
            FrequencyPenalty = (float)(JsonFields.OptionalNumber(body, "frequency_penalty", -2, 2) ?? 0),
            RepetitionPenalty = (float?)JsonFields.OptionalNumber(body, "repetition_penalty", 0.01, 10) ?? defaults.RepetitionPenalty,
            Stop = ReadStop(body),
            StopTokenIds = ReadStopTokenIds(body),
            IgnoreEos = JsonFields.OptionalBool(body, "ignore_eos") ?? false,
            N = n,
            Stream = stream,
            IncludeUsage = includeUsage,
            Logprobs = logprobs,
            User = JsonFields.OptionalString(body, "user"),
        };
    }

    private static IReadOnlyList<string> ReadStop(JsonObject body)
    {
        var node = body["stop"];
        if (node is null) return [];
        if (node.GetValueKind() == JsonValueKind.String)
        {
            var single = node.GetValue<string>();
            return single.Length == 0 ? [] : [single];
        }
        if (node is not JsonArray array) throw JsonFields.TypeError("stop", "a string or an array of strings", node);
        if (array.Count > MaxStopStrings)
            throw ApiError.BadRequest($"'stop' allows at most {MaxStopStrings} sequences.", "stop", "invalid_value");
        var stops = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (item is null || item.GetValueKind() != JsonValueKind.String)
                throw JsonFields.TypeError("stop", "an array of strings", item);
            var s = item.GetValue<string>();
            if (s.Length == 0) throw ApiError.BadRequest("'stop' sequences must not be empty.", "stop", "invalid_value");
            stops.Add(s);
        }
        return stops;
    }

    private static IReadOnlyList<int> ReadStopTokenIds(JsonObject body)
    {
        var array = JsonFields.OptionalArray(body, "stop_token_ids");
        if (array is null) return [];
        var ids = new int[array.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            var item = array[i] ?? throw JsonFields.TypeError("stop_token_ids", "an array of integers", null);
            ids[i] = (int)JsonFields.ReadInteger(item, "stop_token_ids", 0, int.MaxValue);
        }
        return ids;
    }

    private static void RejectLogitBias(JsonObject body)
    {
        var bias = JsonFields.OptionalObject(body, "logit_bias");
        if (bias is { Count: > 0 })
            throw ApiError.BadRequest("'logit_bias' is not supported by this server.", "logit_bias", "unsupported_parameter");
    }
}
