using DynamoOrleans.Grains.Transport;

namespace DynamoOrleans.Grains.Worker;

/// <summary>
/// A Generate stream from a worker ended before its final output: the worker died, reset the stream,
/// refused the request (draining) or could not be reached. The Request grain migrates on it: the
/// prompt plus the first <see cref="NumOutputsDelivered"/> outputs go to another worker, so the
/// client sees no token lost or repeated.
/// </summary>
public sealed class WorkerStreamBrokenException : Exception
{
    public WorkerStreamBrokenException(string requestId, Uri worker, int numOutputsDelivered, GrpcStatusCode statusCode, Exception? innerException)
        : base($"the stream of request '{requestId}' from worker {worker} broke after {numOutputsDelivered} outputs ({statusCode})", innerException)
    {
        RequestId = requestId;
        Worker = worker;
        NumOutputsDelivered = numOutputsDelivered;
        StatusCode = statusCode;
    }

    public string RequestId { get; }

    public Uri Worker { get; }

    /// <summary>Outputs the caller received before the break; the migrated request continues after them.</summary>
    public int NumOutputsDelivered { get; }

    /// <summary>UNAVAILABLE for a refused or broken connection; whatever the worker reported otherwise.</summary>
    public GrpcStatusCode StatusCode { get; }
}
