using DynamoOrleans.Grains.Transport;

namespace DynamoOrleans.Grains.Worker;

/// <summary>How a gateway talks to one worker.</summary>
public sealed class RemoteEngineClientOptions
{
    /// <summary>How often <see cref="RemoteEngineClient.GetLoad"/>'s cached value is refreshed from the worker; zero turns polling off.</summary>
    public TimeSpan LoadPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Deadline for the small calls (Health, Load, Cancel, Drain, KvIndex).</summary>
    public TimeSpan ControlCallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Deadline for a whole Generate stream; null leaves it to the caller's cancellation.</summary>
    public TimeSpan? GenerateTimeout { get; init; }

    public GrpcClientOptions Grpc { get; init; } = new();

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
