using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;

namespace DynamoOrleans.Grains.Transport;

/// <summary>
/// gRPC's length-prefixed messages: a compressed-flag byte (always 0 here: no compression is
/// negotiated), a 4-byte big-endian length, then the protobuf bytes. Written straight into the
/// pipe's pooled memory and parsed straight from it, so a message costs no copy of its own.
/// </summary>
public static class GrpcFraming
{
    /// <summary>Serializes <paramref name="message"/> with its frame header into <paramref name="writer"/>.</summary>
    /// <exception cref="GrpcException">RESOURCE_EXHAUSTED when the message is over <paramref name="maxMessageSize"/>.</exception>
    public static void WriteMessage(IBufferWriter<byte> writer, IMessage message, int maxMessageSize)
    {
        var size = message.CalculateSize();
        if (size > maxMessageSize)
            throw new GrpcException(GrpcStatusCode.ResourceExhausted, $"sending a message of {size} bytes, over the limit of {maxMessageSize}");
        var span = writer.GetSpan(GrpcProtocol.FrameHeaderSize + size);
        span[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)size);
        message.WriteTo(span.Slice(GrpcProtocol.FrameHeaderSize, size));
        writer.Advance(GrpcProtocol.FrameHeaderSize + size);
    }

    /// <summary>
    /// Takes one whole message off the front of <paramref name="buffer"/> if it is all there; false
    /// when more bytes are needed (a frame may arrive split over any number of reads).
    /// </summary>
    /// <exception cref="GrpcException">RESOURCE_EXHAUSTED for a frame over the limit, INTERNAL for a compressed one.</exception>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxMessageSize, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (buffer.Length < GrpcProtocol.FrameHeaderSize)
            return false;
        Span<byte> header = stackalloc byte[GrpcProtocol.FrameHeaderSize];
        buffer.Slice(0, GrpcProtocol.FrameHeaderSize).CopyTo(header);
        if (header[0] != 0)
            throw new GrpcException(GrpcStatusCode.Internal, "received a compressed message, but no compression was negotiated");
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxMessageSize)
            throw new GrpcException(GrpcStatusCode.ResourceExhausted, $"received a message of {length} bytes, over the limit of {maxMessageSize}");
        if (buffer.Length < GrpcProtocol.FrameHeaderSize + length)
            return false;
        payload = buffer.Slice(GrpcProtocol.FrameHeaderSize, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>Reads the next message, or null when the stream ends cleanly between messages.</summary>
    /// <exception cref="GrpcException">INTERNAL when the stream ends inside a message.</exception>
    public static async ValueTask<T?> ReadMessageAsync<T>(PipeReader reader, MessageParser<T> parser, int maxMessageSize, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (TryReadFrame(ref buffer, maxMessageSize, out var payload))
            {
                T message;
                try
                {
                    message = parser.ParseFrom(payload);
                }
                catch (InvalidProtocolBufferException ex)
                {
                    reader.AdvanceTo(buffer.Start);
                    throw new GrpcException(GrpcStatusCode.Internal, "a message could not be parsed: " + ex.Message, ex);
                }
                reader.AdvanceTo(buffer.Start);
                return message;
            }
            if (result.IsCompleted)
            {
                var isEmpty = buffer.IsEmpty;
                reader.AdvanceTo(buffer.End);
                return isEmpty ? null : throw new GrpcException(GrpcStatusCode.Internal, "the stream ended inside a message");
            }
            if (result.IsCanceled)
                throw new OperationCanceledException(cancellationToken);
            // Nothing consumed, everything examined: wake again only when more bytes arrive.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
