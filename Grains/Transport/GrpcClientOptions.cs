namespace DynamoOrleans.Grains.Transport;

/// <summary>How a <see cref="GrpcClient"/> connects and what it accepts.</summary>
public sealed class GrpcClientOptions
{
    /// <summary>Larger responses end the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; init; } = GrpcProtocol.DefaultMaxMessageSize;

    /// <summary>A larger request fails with RESOURCE_EXHAUSTED before anything is sent.</summary>
    public int MaxSendMessageSize { get; init; } = int.MaxValue;

    /// <summary>Replaces the default <see cref="System.Net.Http.SocketsHttpHandler"/> (tests, custom TLS); the client disposes it.</summary>
    public HttpMessageHandler? Handler { get; init; }

    /// <summary>HTTP/2 PING interval on idle connections, so a silo that vanished without a FIN is noticed.</summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
