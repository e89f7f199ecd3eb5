namespace DynamoOrleans.Cluster.Resp;

/// <summary>
/// One argument of a command: text (UTF-8 encoded straight into the send buffer), bytes, or an integer.
/// A struct so that a command written as <c>[ "SET", key, value ]</c> lives on the stack.
/// </summary>
public readonly struct RespArg
{
    private readonly string? _text;
    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly long _integer;
    private readonly byte _kind; // 0 integer, 1 text, 2 bytes

    private RespArg(string? text, ReadOnlyMemory<byte> bytes, long integer, byte kind)
    {
        _text = text;
        _bytes = bytes;
        _integer = integer;
        _kind = kind;
    }

    internal bool IsText => _kind == 1;
    internal bool IsBytes => _kind == 2;
    internal string Text => _text!;
    internal ReadOnlySpan<byte> Bytes => _bytes.Span;
    internal long Integer => _integer;

    public static implicit operator RespArg(string text) => new(text ?? throw new ArgumentNullException(nameof(text)), default, 0, 1);
    public static implicit operator RespArg(long integer) => new(null, default, integer, 0);
    public static implicit operator RespArg(byte[] bytes) => new(null, bytes, 0, 2);
    public static implicit operator RespArg(ReadOnlyMemory<byte> bytes) => new(null, bytes, 0, 2);
    public static implicit operator RespArg(Memory<byte> bytes) => new(null, bytes, 0, 2);

    public override string ToString() => _kind switch { 0 => _integer.ToString(System.Globalization.CultureInfo.InvariantCulture), 1 => _text!, _ => $"<{_bytes.Length} bytes>" };
}
