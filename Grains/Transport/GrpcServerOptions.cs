namespace DynamoOrleans.Grains.Transport;

/// <summary>Limits a server applies to every gRPC method it maps.</summary>
public sealed class GrpcServerOptions
{
    public static GrpcServerOptions Default { get; } = new();

    /// <summary>Larger requests end the call with RESOURCE_EXHAUSTED before the handler runs.</summary>
    public int MaxReceiveMessageSize { get; init; } = GrpcProtocol.DefaultMaxMessageSize;

    /// <summary>A larger response ends the call with RESOURCE_EXHAUSTED instead of being sent.</summary>
    public int MaxSendMessageSize { get; init; } = int.MaxValue;
}
