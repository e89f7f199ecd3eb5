using Microsoft.Extensions.Logging;

namespace DynamoOrleans.Cluster;

internal static partial class ClusterLog
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Renewing the lease of {Worker} failed: {Reason}; retrying")]
    public static partial void RenewFailed(ILogger logger, string worker, string reason);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Deregistering {Worker} failed: {Reason}; its lease will expire instead")]
    public static partial void DeregisterFailed(ILogger logger, string worker, string reason);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Reading cluster membership failed: {Reason}; keeping the last view")]
    public static partial void WatchFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Reading KV events failed: {Reason}; resuming after {Position}")]
    public static partial void SubscribeFailed(ILogger logger, string reason, string position);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Warning, Message = "Skipping an unreadable KV event at {Position}: {Reason}")]
    public static partial void BadEvent(ILogger logger, string position, string reason);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Warning, Message = "Ignoring the unreadable card of {Worker}: {Reason}")]
    public static partial void BadCard(ILogger logger, string worker, string reason);
}
