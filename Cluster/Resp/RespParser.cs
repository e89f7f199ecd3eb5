using System.Buffers;
using System.Buffers.Text;

namespace DynamoOrleans.Cluster.Resp;

/// <summary>
/// Parses RESP2 replies from a byte sequence that may end mid-reply. A false return leaves nothing consumed,
/// so the caller waits for more bytes and parses the reply again from its start.
/// </summary>
internal static class RespParser
{
    // Redis caps bulk strings at 512 MB by default; anything larger means the stream is out of step.
    private const long MaxBulkLength = 512L * 1024 * 1024;
    private const int MaxDepth = 64;

    public static bool TryParse(ref SequenceReader<byte> reader, out RespValue value)
    {
        var copy = reader;
        if (TryParseValue(ref copy, 0, out value))
        {
            reader = copy;
            return true;
        }
        return false;
    }

    private static bool TryParseValue(ref SequenceReader<byte> reader, int depth, out RespValue value)
    {
        value = default;
        if (!reader.TryRead(out var prefix) || !TryReadLine(ref reader, out var line))
            return false;
        switch ((RespType)prefix)
        {
            case RespType.SimpleString:
                value = RespValue.Simple(line.ToArray());
                return true;
            case RespType.Error:
                value = RespValue.Error(line.ToArray());
                return true;
            case RespType.Integer:
                value = RespValue.Int(ParseInteger(line));
                return true;
            case RespType.BulkString:
                return TryParseBulk(ref reader, ParseInteger(line), out value);
            case RespType.Array:
                return TryParseArray(ref reader, ParseInteger(line), depth, out value);
            default:
                throw new RespProtocolException($"unexpected reply type byte 0x{prefix:x2}");
        }
    }

    private static bool TryParseBulk(ref SequenceReader<byte> reader, long length, out RespValue value)
    {
        value = default;
        if (length == -1)
        {
            value = RespValue.Bulk(null);
            return true;
        }
        if (length is < 0 or > MaxBulkLength)
            throw new RespProtocolException($"bulk string length {length} is out of range");
        // Check that the whole body and its CRLF arrived before allocating for it.
        if (reader.Remaining < length + 2)
            return false;
        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        reader.TryCopyTo(bytes);
        reader.Advance(length);
        if (!reader.IsNext("\r\n"u8, advancePast: true))
            throw new RespProtocolException("bulk string is not followed by CRLF");
        value = RespValue.Bulk(bytes);
        return true;
    }

    private static bool TryParseArray(ref SequenceReader<byte> reader, long count, int depth, out RespValue value)
    {
        value = default;
        if (count == -1)
        {
            value = RespValue.Items(null);
            return true;
        }
        if (count < 0 || count > int.MaxValue || depth >= MaxDepth)
            throw new RespProtocolException($"array of {count} items at depth {depth} is out of range");
        // Each item needs at least 3 bytes; a count beyond what could have arrived waits without allocating.
        if (reader.Remaining < count * 3)
            return false;
        var items = count == 0 ? [] : new RespValue[count];
        for (var i = 0; i < items.Length; i++)
        {
            if (!TryParseValue(ref reader, depth + 1, out items[i]))
                return false;
        }
        value = RespValue.Items(items);
        return true;
    }

    private static bool TryReadLine(ref SequenceReader<byte> reader, out ReadOnlySpan<byte> line)
    {
        if (!reader.TryReadTo(out line, (byte)'\n'))
            return false;
        if (line.IsEmpty || line[^1] != (byte)'\r')
            throw new RespProtocolException("reply line does not end in CRLF");
        line = line[..^1];
        return true;
    }

    private static long ParseInteger(ReadOnlySpan<byte> line)
    {
        if (!Utf8Parser.TryParse(line, out long value, out var consumed) || consumed != line.Length)
            throw new RespProtocolException($"'{System.Text.Encoding.ASCII.GetString(line)}' is not an integer");
        return value;
    }
}
