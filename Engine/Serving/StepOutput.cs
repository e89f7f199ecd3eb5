using DynamoOrleans.Engine.Scheduling;

namespace DynamoOrleans.Engine.Serving;

/// <summary>One token a step produced for one sequence.</summary>
public readonly record struct StepOutput(Sequence Sequence, TokenOutput Output);
