using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Grains.Requests;

/// <summary>
/// No worker can take the request: none is registered, every one is shunned after a failure, or
/// every one is past the busy threshold. The gateway answers 503 with an OpenAI error body.
/// </summary>
public sealed class NoWorkerAvailableException : EngineUnavailableException
{
    public NoWorkerAvailableException(string requestId, string reason, Exception? innerException = null)
        : base($"no worker is available for request '{requestId}': {reason}", "no_worker_available", innerException)
    {
        RequestId = requestId;
        Reason = reason;
    }

    public string RequestId { get; }

    /// <summary>Why, in a few words, for the error body and the log.</summary>
    public string Reason { get; }
}
