using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Grains.Requests;

/// <summary>
/// A request's stream broke more often than <see cref="RoutedEngineClientOptions.MigrationLimit"/>
/// allows. The caller already holds <see cref="NumTokensDelivered"/> tokens; it gets this instead of a
/// silently truncated stream.
/// </summary>
public sealed class MigrationLimitExceededException : EngineUnavailableException
{
    public MigrationLimitExceededException(string requestId, int migrationLimit, int numTokensDelivered, Exception innerException)
        : base($"request '{requestId}' broke again after {migrationLimit} migrations ({numTokensDelivered} tokens delivered)", "migration_limit_exceeded", innerException)
    {
        RequestId = requestId;
        MigrationLimit = migrationLimit;
        NumTokensDelivered = numTokensDelivered;
    }

    public string RequestId { get; }

    public int MigrationLimit { get; }

    public int NumTokensDelivered { get; }
}
