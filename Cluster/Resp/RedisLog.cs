using Microsoft.Extensions.Logging;

namespace DynamoOrleans.Cluster.Resp;

internal static partial class RedisLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Redis connection to {Endpoint} lost: {Reason}; reconnecting")]
    public static partial void ConnectionLost(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Redis connection to {Endpoint} re-established after {Attempts} attempt(s)")]
    public static partial void Reconnected(ILogger logger, string endpoint, int attempts);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "Redis reconnect attempt {Attempt} to {Endpoint} failed: {Reason}")]
    public static partial void ReconnectFailed(ILogger logger, int attempt, string endpoint, string reason);
}
