using System.Buffers;
using System.Buffers.Binary;
using DynamoOrleans.Engine.Kv;

namespace DynamoOrleans.Cluster.Serialization;

/// <summary>
/// KV events are the hottest thing on the bus, so they travel as compact binary: a version byte, a kind byte,
/// the event id as a varint, then fixed little-endian 64-bit hashes. A reader refuses a version it does not
/// know rather than misreading it.
/// </summary>
/// <remarks>
/// v1: <c>01 kind varint(eventId)</c>, then for Stored <c>flag [parent u64] varint(n) n×(seq u64, local u64)</c>,
/// for Removed <c>varint(n) n×u64</c>, for Cleared nothing.
/// </remarks>
public static class KvEventCodec
{
    public const byte Version = 1;
    private const byte KindStored = 1;
    private const byte KindRemoved = 2;
    private const byte KindCleared = 3;

    public static int MaxSize(KvEvent kvEvent) => kvEvent switch
    {
        KvEvent.Stored s => 2 + 10 + 9 + 5 + 16 * s.Blocks.Count,
        KvEvent.Removed r => 2 + 10 + 5 + 8 * r.SequenceHashes.Count,
        _ => 12,
    };

    /// <summary>Writes <paramref name="kvEvent"/> into <paramref name="destination"/> (at least <see cref="MaxSize"/> long) and returns the bytes used.</summary>
    public static int Write(KvEvent kvEvent, Span<byte> destination)
    {
        destination[0] = Version;
        var at = 2 + WriteVarint(destination[2..], (ulong)kvEvent.EventId);
        switch (kvEvent)
        {
            case KvEvent.Stored stored:
                destination[1] = KindStored;
                destination[at++] = stored.ParentHash.HasValue ? (byte)1 : (byte)0;
                if (stored.ParentHash is { } parent)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(destination[at..], parent);
                    at += 8;
                }
                at += WriteVarint(destination[at..], (ulong)stored.Blocks.Count);
                foreach (var block in stored.Blocks)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(destination[at..], block.SequenceHash);
                    BinaryPrimitives.WriteUInt64LittleEndian(destination[(at + 8)..], block.LocalHash);
                    at += 16;
                }
                return at;
            case KvEvent.Removed removed:
                destination[1] = KindRemoved;
                at += WriteVarint(destination[at..], (ulong)removed.SequenceHashes.Count);
                foreach (var hash in removed.SequenceHashes)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(destination[at..], hash);
                    at += 8;
                }
                return at;
            case KvEvent.Cleared:
                destination[1] = KindCleared;
                return at;
            default:
                throw new ArgumentException($"unknown KV event type {kvEvent.GetType().Name}", nameof(kvEvent));
        }
    }

    /// <summary>Encodes into a buffer rented from the shared pool; the caller returns it.</summary>
    public static byte[] Rent(KvEvent kvEvent, out int length)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxSize(kvEvent));
        length = Write(kvEvent, buffer);
        return buffer;
    }

    public static byte[] ToArray(KvEvent kvEvent)
    {
        var buffer = Rent(kvEvent, out var length);
        var bytes = buffer.AsSpan(0, length).ToArray();
        ArrayPool<byte>.Shared.Return(buffer);
        return bytes;
    }

    public static KvEvent Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < 3)
            throw new FormatException("KV event is truncated");
        if (source[0] != Version)
            throw new FormatException($"KV event version {source[0]} is not supported (this build reads {Version})");
        var at = 2;
        var eventId = (long)ReadVarint(source, ref at);
        switch (source[1])
        {
            case KindStored:
                ulong? parent = null;
                if (source[at++] == 1)
                {
                    parent = BinaryPrimitives.ReadUInt64LittleEndian(source[at..]);
                    at += 8;
                }
                var blocks = new StoredBlock[CheckedCount(source, ReadVarint(source, ref at), at, 16)];
                for (var i = 0; i < blocks.Length; i++, at += 16)
                    blocks[i] = new StoredBlock(BinaryPrimitives.ReadUInt64LittleEndian(source[at..]), BinaryPrimitives.ReadUInt64LittleEndian(source[(at + 8)..]));
                return new KvEvent.Stored(eventId, parent, blocks);
            case KindRemoved:
                var hashes = new ulong[CheckedCount(source, ReadVarint(source, ref at), at, 8)];
                for (var i = 0; i < hashes.Length; i++, at += 8)
                    hashes[i] = BinaryPrimitives.ReadUInt64LittleEndian(source[at..]);
                return new KvEvent.Removed(eventId, hashes);
            case KindCleared:
                return new KvEvent.Cleared(eventId);
            default:
                throw new FormatException($"unknown KV event kind {source[1]}");
        }
    }

    private static int CheckedCount(ReadOnlySpan<byte> source, ulong count, int at, int itemSize) =>
        count <= (ulong)((source.Length - at) / itemSize) ? (int)count : throw new FormatException("KV event is truncated");

    private static int WriteVarint(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> source, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (at >= source.Length)
                throw new FormatException("KV event is truncated");
            var b = source[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return value;
        }
        throw new FormatException("varint is too long");
    }
}
