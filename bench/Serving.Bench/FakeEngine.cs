using System.Runtime.CompilerServices;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Preprocessing;

namespace DynamoOrleans.Serving.Bench;

/// <summary>An engine with no compute: max_tokens copies of one byte token ('a'), so what is measured is the path around it.</summary>
public sealed class FakeEngine : IEngineClient
{
    private static readonly int Token = 'a' + ByteLevelPreprocessor.ByteOffset;

    public ModelCard Model { get; } = new("bench-model", 1 << 20, 16, 259, [2]);

    public async IAsyncEnumerable<TokenOutput> GenerateAsync(GenerateRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var max = request.Sampling.MaxTokens;
        // A real engine hands tokens over from its step loop: the consumer always continues asynchronously.
        await Task.Yield();
        for (var i = 1; i <= max; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new TokenOutput(Token, i == max ? FinishReason.Length : null);
        }
    }

    public EngineLoad GetLoad() => default;
}
