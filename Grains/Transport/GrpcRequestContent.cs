using System.Buffers;
using System.Net;
using Google.Protobuf;

namespace DynamoOrleans.Grains.Transport;

/// <summary>
/// A request body of one framed message, serialized once into a pooled buffer up front so the size
/// limit fails the call before anything is sent, and the length is known (no chunking needed).
/// </summary>
internal sealed class GrpcRequestContent : HttpContent
{
    private byte[]? _buffer;
    private readonly int _length;

    public GrpcRequestContent(IMessage message, int maxMessageSize)
    {
        var size = message.CalculateSize();
        if (size > maxMessageSize)
            throw new GrpcException(GrpcStatusCode.ResourceExhausted, $"sending a message of {size} bytes, over the limit of {maxMessageSize}");
        _length = GrpcProtocol.FrameHeaderSize + size;
        _buffer = ArrayPool<byte>.Shared.Rent(_length);
        var writer = new SpanWriter(_buffer);
        GrpcFraming.WriteMessage(writer, message, maxMessageSize);
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(GrpcRequestContent));
        await stream.WriteAsync(buffer.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _buffer, null) is { } buffer)
            ArrayPool<byte>.Shared.Return(buffer);
        base.Dispose(disposing);
    }

    /// <summary>An <see cref="IBufferWriter{T}"/> over one array that is already big enough.</summary>
    private sealed class SpanWriter(byte[] array) : IBufferWriter<byte>
    {
        private int _written;

        public void Advance(int count) => _written += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => array.AsMemory(_written);

        public Span<byte> GetSpan(int sizeHint = 0) => array.AsSpan(_written);
    }
}
