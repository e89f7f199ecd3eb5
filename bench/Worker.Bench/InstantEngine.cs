using System.Runtime.CompilerServices;
using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Worker.Bench;

/// <summary>An engine with no compute: max_tokens copies of one token, so what is measured is the stream around it.</summary>
public sealed class InstantEngine : IEngineClient
{
    public ModelCard Model { get; } = new("instant", 1 << 20, 16, 512, [2]);

    public async IAsyncEnumerable<TokenOutput> GenerateAsync(GenerateRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var max = request.Sampling.MaxTokens;
        for (var i = 1; i <= max; i++)
        {
            // A real engine hands tokens over from its own thread; yield now and then so the consumer runs asynchronously too.
            if ((i & 15) == 0)
                await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return new TokenOutput(7, i == max ? FinishReason.Length : null);
        }
    }

    public EngineLoad GetLoad() => default;
}
