using System.Net;
using Google.Protobuf;

namespace DynamoOrleans.Grains.Transport;

/// <summary>
/// A gRPC client over <see cref="HttpClient"/>: HTTP/2 only (h2c with prior knowledge on <c>http://</c>
/// addresses), one message per request, unary or server-streaming responses. Thread-safe; keep one per
/// server and share it, as connections are pooled inside.
/// </summary>
public sealed class GrpcClient : IDisposable
{
    private readonly HttpClient _http;

    public GrpcClient(Uri address, GrpcClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        Options = options ?? new GrpcClientOptions();
        Address = address;
        var handler = Options.Handler ?? new SocketsHttpHandler
        {
            // One HTTP/2 connection caps concurrent streams (100 on Kestrel); more connections lift that cap.
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = Options.KeepAlivePingDelay,
            KeepAlivePingTimeout = Options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
        };
        _http = new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = address,
            Timeout = Timeout.InfiniteTimeSpan, // Deadlines are per call (grpc-timeout), never the HttpClient's.
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public Uri Address { get; }

    public GrpcClientOptions Options { get; }

    /// <summary>Starts a server-streaming call; read it with <see cref="GrpcStreamingCall{T}.MoveNextAsync"/> or <see cref="GrpcStreamingCall{T}.ReadAllAsync"/>, then dispose it.</summary>
    /// <param name="timeout">Sent as <c>grpc-timeout</c> and enforced here too: the call fails with DEADLINE_EXCEEDED when it runs out.</param>
    public GrpcStreamingCall<TResponse> ServerStreaming<TRequest, TResponse>(
        string path, TRequest request, MessageParser<TResponse> parser, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var message = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new GrpcRequestContent(request, Options.MaxSendMessageSize),
        };
        message.Headers.TE.ParseAdd("trailers");
        if (timeout is { } t)
            message.Headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcProtocol.FormatTimeout(t));
        return new GrpcStreamingCall<TResponse>(_http, message, parser, Options.MaxReceiveMessageSize, timeout, cancellationToken);
    }

    /// <summary>Makes a unary call: exactly one response message, then an OK status.</summary>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(
        string path, TRequest request, MessageParser<TResponse> parser, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        await using var call = ServerStreaming(path, request, parser, timeout, cancellationToken);
        if (!await call.MoveNextAsync().ConfigureAwait(false))
            throw new GrpcException(GrpcStatusCode.Internal, "a unary call ended with OK but no response message");
        var reply = call.Current;
        if (await call.MoveNextAsync().ConfigureAwait(false))
            throw new GrpcException(GrpcStatusCode.Internal, "a unary call returned more than one message");
        return reply;
    }

    public void Dispose() => _http.Dispose();
}
