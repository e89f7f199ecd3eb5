using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Grains.Requests;

/// <summary>One move of a request from a failed worker to a re-routed one, as <see cref="RoutedEngineClient.Migrated"/> reports it.</summary>
/// <param name="Attempt">1 for the first migration of this request.</param>
/// <param name="NumTokensDelivered">Tokens the caller already had; the next worker continues after them.</param>
public readonly record struct RequestMigration(string RequestId, WorkerId FailedWorker, int Attempt, int NumTokensDelivered, string Reason);
