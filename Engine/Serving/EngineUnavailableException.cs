namespace DynamoOrleans.Engine.Serving;

/// <summary>
/// The request could not be served now, for reasons that pass with time (no worker free, a stream
/// that broke too often): the gateway answers 503 so a client retries, not 500. A base here so the
/// gateway maps it without depending on the layer (routing, transport) that raises it.
/// </summary>
public abstract class EngineUnavailableException : Exception
{
    protected EngineUnavailableException(string message, string code, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>The OpenAI error body's <c>code</c>, e.g. <c>no_worker_available</c>.</summary>
    public string Code { get; }
}
