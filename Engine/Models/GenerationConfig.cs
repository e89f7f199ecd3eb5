namespace DynamoOrleans.Engine.Models;

/// <summary>The defaults a model's authors ship in <c>generation_config.json</c>; every field is optional.</summary>
public sealed class GenerationConfig
{
    public static GenerationConfig Empty { get; } = new();

    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    public int? BosTokenId { get; init; }

    public int? PadTokenId { get; init; }

    public bool? DoSample { get; init; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public int? TopK { get; init; }

    public double? MinP { get; init; }

    public double? RepetitionPenalty { get; init; }

    public int? MaxNewTokens { get; init; }

    /// <summary>Reads <c>generation_config.json</c> from <paramref name="directory"/>; an absent file gives <see cref="Empty"/>.</summary>
    public static GenerationConfig Load(string directory)
    {
        var path = Path.Combine(directory, "generation_config.json");
        if (!File.Exists(path))
            return Empty;
        using var doc = ConfigJson.Parse(path);
        var json = new ConfigJson(doc.RootElement, path);
        return new GenerationConfig
        {
            EosTokenIds = json.TokenIds("eos_token_id"),
            BosTokenId = json.OptionalInt("bos_token_id"),
            PadTokenId = json.TokenIds("pad_token_id") is [var pad, ..] ? pad : null,
            DoSample = json.OptionalBool("do_sample"),
            Temperature = json.OptionalDouble("temperature"),
            TopP = json.OptionalDouble("top_p"),
            TopK = json.OptionalInt("top_k"),
            MinP = json.OptionalDouble("min_p"),
            RepetitionPenalty = json.OptionalDouble("repetition_penalty"),
            MaxNewTokens = json.OptionalInt("max_new_tokens"),
        };
    }
}
