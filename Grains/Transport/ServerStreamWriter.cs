using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace DynamoOrleans.Grains.Transport;

/// <summary>Sends a server-streaming call's messages, each flushed at once so a token leaves as soon as it is made.</summary>
public sealed class ServerStreamWriter<T>
    where T : IMessage<T>
{
    private readonly HttpResponse _response;
    private readonly int _maxMessageSize;
    private readonly CancellationToken _cancellationToken;

    internal ServerStreamWriter(HttpResponse response, int maxMessageSize, CancellationToken cancellationToken)
    {
        _response = response;
        _maxMessageSize = maxMessageSize;
        _cancellationToken = cancellationToken;
    }

    public int NumWritten { get; private set; }

    /// <summary>Writes one message into the response pipe's pooled memory and flushes it; the message can be reused once this returns.</summary>
    public async ValueTask WriteAsync(T message)
    {
        GrpcFraming.WriteMessage(_response.BodyWriter, message, _maxMessageSize);
        NumWritten++;
        var result = await _response.BodyWriter.FlushAsync(_cancellationToken).ConfigureAwait(false);
        if (result.IsCanceled || result.IsCompleted)
            throw new OperationCanceledException("the client stopped reading", _cancellationToken);
    }
}
