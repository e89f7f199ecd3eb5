using System.Runtime.CompilerServices;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Interfaces.Cluster;
using DynamoOrleans.Grains.Transport;
using DynamoOrleans.Grains.Worker;

namespace DynamoOrleans.Grains.Tests.Requests;

/// <summary>
/// An engine on cue: emits consecutive token ids from <c>firstToken</c> and breaks like a dead
/// worker after <c>breakAfter</c> outputs; reports whatever load it is given.
/// </summary>
internal sealed class ScriptedEngine(int? breakAfter, int firstToken, int cachedPromptTokens = 0) : IEngineClient
{
    public static readonly ModelCard ScriptedModel = new("scripted", 4096, 16, 1000, [2]);

    public List<GenerateRequest> Requests { get; } = [];

    public ModelCard Model => ScriptedModel;

    public EngineLoad Load { get; set; } = new(0, 0, 0, 100, 0, 0, 0);

    public static WorkerCard Card(int i) => new(new WorkerId("n" + i, 0), ScriptedModel.Name, "d", 16, 4096, 100, WorkerRole.Aggregated, "http://n" + i);

    public EngineLoad GetLoad() => Load;

    public async IAsyncEnumerable<TokenOutput> GenerateAsync(GenerateRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Requests.Add(request);
        for (var i = 0; i < request.Sampling.MaxTokens; i++)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            if (i == breakAfter)
                throw new WorkerStreamBrokenException(request.RequestId, new Uri("http://dead"), i, GrpcStatusCode.Unavailable, null);
            var isLast = i == request.Sampling.MaxTokens - 1;
            yield return new TokenOutput(firstToken + i, isLast ? FinishReason.Length : null) { CachedPromptTokens = cachedPromptTokens };
        }
    }
}
