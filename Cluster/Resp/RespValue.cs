using System.Globalization;
using System.Text;

namespace DynamoOrleans.Cluster.Resp;

/// <summary>
/// A parsed reply. Bulk and simple strings keep their bytes (values are binary-safe); arrays hold their items.
/// A nil bulk string or nil array has <see cref="IsNull"/> set.
/// </summary>
public readonly struct RespValue
{
    private readonly object? _payload; // byte[] for strings and errors, RespValue[] for arrays
    private readonly long _integer;

    private RespValue(RespType type, object? payload, long integer)
    {
        Type = type;
        _payload = payload;
        _integer = integer;
    }

    public RespType Type { get; }

    /// <summary>A nil bulk string (<c>$-1</c>) or nil array (<c>*-1</c>).</summary>
    public bool IsNull => _payload is null && Type is RespType.BulkString or RespType.Array;

    internal static RespValue Simple(byte[] text) => new(RespType.SimpleString, text, 0);
    internal static RespValue Error(byte[] text) => new(RespType.Error, text, 0);
    internal static RespValue Int(long value) => new(RespType.Integer, null, value);
    internal static RespValue Bulk(byte[]? bytes) => new(RespType.BulkString, bytes, 0);
    internal static RespValue Items(RespValue[]? items) => new(RespType.Array, items, 0);

    public long AsInt64() => Type switch
    {
        RespType.Integer => _integer,
        RespType.BulkString or RespType.SimpleString when _payload is byte[] b
            && long.TryParse(b, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) => v,
        _ => throw new InvalidCastException($"a {Type} reply is not an integer"),
    };

    /// <summary>The string's bytes; empty for nil.</summary>
    public ReadOnlyMemory<byte> AsBytes() => _payload switch
    {
        byte[] b => b,
        null when IsNull => ReadOnlyMemory<byte>.Empty,
        _ => throw new InvalidCastException($"a {Type} reply is not a string"),
    };

    /// <summary>The string as UTF-8 text, null for nil.</summary>
    public string? AsString() => _payload switch
    {
        byte[] b => Encoding.UTF8.GetString(b),
        null when Type == RespType.Integer => _integer.ToString(CultureInfo.InvariantCulture),
        null => null,
        _ => throw new InvalidCastException($"a {Type} reply is not a string"),
    };

    /// <summary>The array's items; empty for a nil array.</summary>
    public RespValue[] AsArray() => Type == RespType.Array
        ? (RespValue[]?)_payload ?? []
        : throw new InvalidCastException($"a {Type} reply is not an array");

    public override string ToString() => Type switch
    {
        RespType.Array => IsNull ? "(nil array)" : $"[{string.Join(", ", AsArray())}]",
        RespType.Integer => _integer.ToString(CultureInfo.InvariantCulture),
        RespType.Error => $"ERR({AsString()})",
        _ => IsNull ? "(nil)" : AsString() ?? "",
    };
}
