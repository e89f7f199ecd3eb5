namespace DynamoOrleans.Samples.Chat;

/// <summary>
/// The sample's command line: <c>--base-url</c> (else <c>$OPENAI_BASE_URL</c>, else the local gateway),
/// <c>--model</c> (else the first model the gateway lists); the API key from <c>$OPENAI_API_KEY</c>, else "none".
/// </summary>
public sealed record SampleArguments(Uri BaseUrl, string ApiKey, string? Model)
{
    public const string DefaultBaseUrl = "http://127.0.0.1:8000/v1";

    public const string Usage = "usage: ChatClient [--base-url URL] [--model NAME]   (env: OPENAI_BASE_URL, OPENAI_API_KEY)";

    public static bool TryParse(string[] args, Func<string, string?> environment, out SampleArguments arguments, out string error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        var baseUrl = NonEmpty(environment("OPENAI_BASE_URL")) ?? DefaultBaseUrl;
        var apiKey = NonEmpty(environment("OPENAI_API_KEY")) ?? "none";
        string? model = null;
        arguments = null!;
        for (var i = 0; i < args.Length; i++)
        {
            if (i + 1 >= args.Length || args[i] is not ("--base-url" or "--model"))
            {
                error = $"unexpected argument '{args[i]}'\n{Usage}";
                return false;
            }
            if (args[i] == "--base-url") baseUrl = args[++i];
            else model = args[++i];
        }
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            error = $"--base-url must be an http(s) URL, got '{baseUrl}'\n{Usage}";
            return false;
        }
        arguments = new SampleArguments(uri, apiKey, model);
        error = "";
        return true;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
