using System.CommandLine;
using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Cli.Commands;

/// <summary>The sampling flags of <c>dynamo generate</c>; each one given overrides the model's default.</summary>
internal sealed class SamplingOptions
{
    private readonly Option<int?> _maxTokens = new("--max-tokens") { Description = "Most tokens to generate (default 256)" };
    private readonly Option<float?> _temperature = new("--temperature") { Description = "0 for greedy" };
    private readonly Option<float?> _topP = new("--top-p");
    private readonly Option<int?> _topK = new("--top-k") { Description = "0 disables" };
    private readonly Option<float?> _minP = new("--min-p");
    private readonly Option<long?> _seed = new("--seed") { Description = "Makes sampling reproducible" };
    private readonly Option<float?> _presence = new("--presence-penalty");
    private readonly Option<float?> _frequency = new("--frequency-penalty");
    private readonly Option<float?> _repetition = new("--repetition-penalty");
    private readonly Option<int?> _minTokens = new("--min-tokens");
    private readonly Option<bool> _ignoreEos = new("--ignore-eos");

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _maxTokens, _temperature, _topP, _topK, _minP, _seed, _presence, _frequency, _repetition, _minTokens, _ignoreEos })
            command.Options.Add(option);
    }

    public SamplingParams Apply(ParseResult parse, SamplingParams defaults) => defaults with
    {
        MaxTokens = parse.GetValue(_maxTokens) ?? defaults.MaxTokens,
        Temperature = parse.GetValue(_temperature) ?? defaults.Temperature,
        TopP = parse.GetValue(_topP) ?? defaults.TopP,
        TopK = parse.GetValue(_topK) ?? defaults.TopK,
        MinP = parse.GetValue(_minP) ?? defaults.MinP,
        Seed = parse.GetValue(_seed) ?? defaults.Seed,
        PresencePenalty = parse.GetValue(_presence) ?? defaults.PresencePenalty,
        FrequencyPenalty = parse.GetValue(_frequency) ?? defaults.FrequencyPenalty,
        RepetitionPenalty = parse.GetValue(_repetition) ?? defaults.RepetitionPenalty,
        MinTokens = parse.GetValue(_minTokens) ?? defaults.MinTokens,
        IgnoreEos = parse.GetValue(_ignoreEos) || defaults.IgnoreEos,
    };
}
