namespace DynamoOrleans.Engine.Serving;

/// <summary>
/// The one interface the gateway talks to: an in-process engine in embedded mode, a gRPC stream
/// to a silo's worker in cluster mode.
/// </summary>
public interface IEngineClient
{
    ModelCard Model { get; }

    /// <summary>
    /// Streams the generated tokens. The last output has <see cref="TokenOutput.Finish"/> set.
    /// Cancelling <paramref name="cancellationToken"/> aborts the request in the engine and frees its blocks.
    /// </summary>
    IAsyncEnumerable<TokenOutput> GenerateAsync(GenerateRequest request, CancellationToken cancellationToken);

    EngineLoad GetLoad();
}
