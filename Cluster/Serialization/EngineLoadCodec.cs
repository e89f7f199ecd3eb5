using System.Buffers.Binary;
using DynamoOrleans.Engine.Serving;

namespace DynamoOrleans.Cluster.Serialization;

/// <summary>An <see cref="EngineLoad"/> as 34 fixed bytes: a version byte, a reserved byte, six int32 and one double, little-endian.</summary>
public static class EngineLoadCodec
{
    public const byte Version = 1;
    public const int Size = 2 + 6 * 4 + 8;

    public static void Write(in EngineLoad load, Span<byte> destination)
    {
        destination[0] = Version;
        destination[1] = 0;
        BinaryPrimitives.WriteInt32LittleEndian(destination[2..], load.NumRunning);
        BinaryPrimitives.WriteInt32LittleEndian(destination[6..], load.NumWaiting);
        BinaryPrimitives.WriteInt32LittleEndian(destination[10..], load.KvBlocksUsed);
        BinaryPrimitives.WriteInt32LittleEndian(destination[14..], load.KvBlocksTotal);
        BinaryPrimitives.WriteInt32LittleEndian(destination[18..], load.ActivePrefillTokens);
        BinaryPrimitives.WriteInt32LittleEndian(destination[22..], load.ActiveDecodeBlocks);
        BinaryPrimitives.WriteDoubleLittleEndian(destination[26..], load.PrefixHitRate);
    }

    public static byte[] ToArray(in EngineLoad load)
    {
        var bytes = new byte[Size];
        Write(load, bytes);
        return bytes;
    }

    public static EngineLoad Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size || source[0] != Version)
            throw new FormatException($"engine load record (version {(source.IsEmpty ? 0 : source[0])}, {source.Length} bytes) is not version {Version}");
        return new EngineLoad(
            NumRunning: BinaryPrimitives.ReadInt32LittleEndian(source[2..]),
            NumWaiting: BinaryPrimitives.ReadInt32LittleEndian(source[6..]),
            KvBlocksUsed: BinaryPrimitives.ReadInt32LittleEndian(source[10..]),
            KvBlocksTotal: BinaryPrimitives.ReadInt32LittleEndian(source[14..]),
            PrefixHitRate: BinaryPrimitives.ReadDoubleLittleEndian(source[26..]),
            ActivePrefillTokens: BinaryPrimitives.ReadInt32LittleEndian(source[18..]),
            ActiveDecodeBlocks: BinaryPrimitives.ReadInt32LittleEndian(source[22..]));
    }
}
