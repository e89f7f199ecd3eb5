namespace DynamoOrleans.Engine.Hub;

/// <summary>
/// Where models come from and where they are cached, read from the same environment variables the
/// Hugging Face tools honour, so a model already fetched by <c>huggingface-cli</c> is found again.
/// </summary>
public sealed record HubOptions
{
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>HF_ENDPOINT: the Hub or a mirror.</summary>
    public string Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub.</summary>
    public required string CacheDirectory { get; init; }

    /// <summary>HF_TOKEN: sent as a bearer token for gated and private repositories.</summary>
    public string? Token { get; init; }

    /// <summary>HF_HUB_OFFLINE=1: use the cache only.</summary>
    public bool Offline { get; init; }

    public static HubOptions FromEnvironment() => FromVariables(Environment.GetEnvironmentVariable);

    /// <summary>Reads the options through <paramref name="variable"/> so tests need not touch the process environment.</summary>
    public static HubOptions FromVariables(Func<string, string?> variable)
    {
        static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

        var home = NonEmpty(variable("HF_HOME"))
            ?? Path.Combine(
                NonEmpty(variable("XDG_CACHE_HOME"))
                    ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
                "huggingface");
        var offline = NonEmpty(variable("HF_HUB_OFFLINE"));
        return new HubOptions
        {
            Endpoint = (NonEmpty(variable("HF_ENDPOINT")) ?? DefaultEndpoint).TrimEnd('/'),
            CacheDirectory = NonEmpty(variable("HF_HUB_CACHE")) ?? Path.Combine(home, "hub"),
            Token = NonEmpty(variable("HF_TOKEN")),
            Offline = offline is "1" or "true" or "TRUE" or "yes",
        };
    }
}
