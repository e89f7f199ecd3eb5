using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Gateway;

/// <summary>How the gateway listens and what it allows; <see cref="Validate"/> runs before the host starts.</summary>
public sealed class GatewayOptions
{
    /// <summary>Address Kestrel binds; port 0 picks a free one (tests).</summary>
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 8000;

    /// <summary>When set, every /v1 route requires <c>Authorization: Bearer {ApiKey}</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The name clients put in "model"; null uses the engine's <c>ModelCard.Name</c>.</summary>
    public string? ServedModelName { get; set; }

    /// <summary>
    /// Sampling a request starts from: fields it leaves out take these values. <c>dynamo serve</c> fills
    /// them from the model's generation_config.json (<see cref="SamplingDefaults"/>), as vLLM does.
    /// Only temperature, top_p, top_k, min_p and repetition_penalty are taken from here.
    /// </summary>
    public SamplingParams DefaultSampling { get; set; } = new();

    /// <summary>Upper bound for <c>n</c> (choices per request).</summary>
    public int MaxChoices { get; set; } = 16;

    /// <summary>Upper bound for chat <c>top_logprobs</c> and completions <c>logprobs</c>.</summary>
    public int MaxTopLogprobs { get; set; } = 20;

    /// <summary>Generation requests in flight beyond which new ones get 503 (0: no limit).</summary>
    public int MaxActiveRequests { get; set; }

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>These options with other sampling defaults: a served model's own generation_config.json.</summary>
    public GatewayOptions WithDefaultSampling(SamplingParams defaults)
    {
        var copy = (GatewayOptions)MemberwiseClone();
        copy.DefaultSampling = defaults;
        return copy;
    }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host)) throw new ArgumentException("Host must not be empty.", nameof(Host));
        if (Port is < 0 or > 65535) throw new ArgumentOutOfRangeException(nameof(Port), Port, "Port must be 0..65535.");
        if (MaxChoices < 1) throw new ArgumentOutOfRangeException(nameof(MaxChoices), MaxChoices, "MaxChoices must be at least 1.");
        if (MaxTopLogprobs < 0) throw new ArgumentOutOfRangeException(nameof(MaxTopLogprobs), MaxTopLogprobs, "MaxTopLogprobs must not be negative.");
        if (MaxRequestBodyBytes < 1024) throw new ArgumentOutOfRangeException(nameof(MaxRequestBodyBytes), MaxRequestBodyBytes, "MaxRequestBodyBytes must be at least 1024.");
        if (MaxActiveRequests < 0) throw new ArgumentOutOfRangeException(nameof(MaxActiveRequests), MaxActiveRequests, "MaxActiveRequests must not be negative.");
        if (ApiKey is { Length: 0 }) throw new ArgumentException("ApiKey must be null or non-empty.", nameof(ApiKey));
    }
}
