using Microsoft.Extensions.Logging;

namespace DynamoOrleans.Gateway.Hosting;

internal static partial class GatewayLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Gateway serving model {Model} on {Url}")]
    public static partial void Listening(ILogger logger, string model, string url);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Request {RequestId} rejected: {Status} {Message}")]
    public static partial void Rejected(ILogger logger, string requestId, int status, string message);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Request {RequestId} cancelled by the client")]
    public static partial void ClientCancelled(ILogger logger, string requestId);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Request {RequestId} failed in the engine")]
    public static partial void EngineFailed(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Unhandled error on {Path}")]
    public static partial void Unhandled(ILogger logger, Exception exception, string path);
}
