using System.Runtime.CompilerServices;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Gateway.Preprocessing;

namespace DynamoOrleans.Gateway.Bench;

/// <summary>An engine with no compute: max_tokens copies of one byte token, so what is measured is the path around it.</summary>
public sealed class BenchEngine : IEngineClient
{
    private static readonly int Token = 'a' + ByteLevelPreprocessor.ByteOffset;

    public ModelCard Model { get; } = new("bench-model", 1 << 20, 16, 259, [2]);

    public async IAsyncEnumerable<TokenOutput> GenerateAsync(GenerateRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var max = request.Sampling.MaxTokens;
        for (var i = 1; i <= max; i++)
        {
            // A real engine hands each token over from its step loop; yield so the consumer runs asynchronously too.
            if ((i & 15) == 0) await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return new TokenOutput(Token, i == max ? FinishReason.Length : null);
        }
    }

    public EngineLoad GetLoad() => default;
}
