namespace DynamoOrleans.Engine.Hub;

/// <summary>A model could not be fetched; the message says why and what to do.</summary>
public sealed class HubException(string message) : Exception(message);
