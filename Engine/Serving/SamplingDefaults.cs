using DynamoOrleans.Engine.Models;

namespace DynamoOrleans.Engine.Serving;

/// <summary>
/// A model's recommended sampling (generation_config.json) as the defaults a request starts from, as
/// vLLM does with <c>--generation-config auto</c>: a field the request leaves out takes the model's value.
/// </summary>
public static class SamplingDefaults
{
    public static SamplingParams From(GenerationConfig generation)
    {
        // do_sample is ignored, as vLLM ignores it: a model that ships a temperature wants it used.
        var defaults = new SamplingParams();
        return defaults with
        {
            Temperature = (float?)generation.Temperature ?? defaults.Temperature,
            TopP = (float?)generation.TopP ?? defaults.TopP,
            TopK = generation.TopK ?? defaults.TopK,
            MinP = (float?)generation.MinP ?? defaults.MinP,
            RepetitionPenalty = (float?)generation.RepetitionPenalty ?? defaults.RepetitionPenalty,
            MaxTokens = generation.MaxNewTokens ?? defaults.MaxTokens,
        };
    }
}
