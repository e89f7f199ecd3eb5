namespace DynamoOrleans.Grains.Transport;

/// <summary>
/// A call that ended with a status other than OK. Server handlers throw it to choose the status; the
/// client throws it when a call's trailers (or a broken stream) say so.
/// </summary>
public sealed class GrpcException : Exception
{
    public GrpcException(GrpcStatusCode statusCode, string? detail = null, Exception? innerException = null)
        : base($"gRPC status {statusCode}{(string.IsNullOrEmpty(detail) ? "" : ": " + detail)}", innerException)
    {
        StatusCode = statusCode;
        Detail = detail ?? "";
    }

    public GrpcStatusCode StatusCode { get; }

    /// <summary>The <c>grpc-message</c> text, decoded.</summary>
    public string Detail { get; }

    /// <summary>
    /// The status a server reports for an exception its handler threw: the handler's own choice for a
    /// <see cref="GrpcException"/>, INVALID_ARGUMENT for argument errors (the request was wrong, retrying
    /// elsewhere will not help), CANCELLED when the call's token fired, INTERNAL for anything else.
    /// </summary>
    public static (GrpcStatusCode Code, string Detail) StatusOf(Exception exception, bool isCallCancelled) => exception switch
    {
        GrpcException grpc => (grpc.StatusCode, grpc.Detail),
        OperationCanceledException when isCallCancelled => (GrpcStatusCode.Cancelled, "the call was cancelled"),
        ArgumentException or FormatException => (GrpcStatusCode.InvalidArgument, exception.Message),
        NotSupportedException => (GrpcStatusCode.Unimplemented, exception.Message),
        ObjectDisposedException => (GrpcStatusCode.Unavailable, "the service is shutting down"),
        _ => (GrpcStatusCode.Internal, exception.GetType().Name + ": " + exception.Message),
    };
}
