using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Engine.Sampling;

/// <summary>The sampler's pick: the token, its logprob (NaN unless asked for) and the top alternatives when asked for.</summary>
public readonly record struct SampledToken(int TokenId, float Logprob, TokenLogprob[]? TopLogprobs);
