using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace DynamoOrleans.Cluster.Resp;

/// <summary>
/// Encodes commands as RESP arrays of bulk strings into a growable pooled buffer. The buffer is reused between
/// flushes, so steady-state sending allocates nothing.
/// </summary>
internal sealed class RespWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public RespWriter(int initialCapacity = 16 * 1024) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public int Length => _length;

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    public void Clear(int shrinkAbove)
    {
        _length = 0;
        // A large value grows the buffer once; give the memory back rather than keep it forever.
        if (_buffer.Length > shrinkAbove)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        }
    }

    public void WriteCommand(ReadOnlySpan<RespArg> args)
    {
        if (args.IsEmpty)
            throw new ArgumentException("a command needs at least its name", nameof(args));
        WriteHeader((byte)'*', args.Length);
        Span<byte> digits = stackalloc byte[24];
        foreach (ref readonly var arg in args)
        {
            if (arg.IsBytes)
            {
                var bytes = arg.Bytes;
                WriteHeader((byte)'$', bytes.Length);
                bytes.CopyTo(Reserve(bytes.Length + 2));
                _length += bytes.Length;
            }
            else if (arg.IsText)
            {
                var count = Encoding.UTF8.GetByteCount(arg.Text);
                WriteHeader((byte)'$', count);
                _length += Encoding.UTF8.GetBytes(arg.Text, Reserve(count + 2));
            }
            else
            {
                Utf8Formatter.TryFormat(arg.Integer, digits, out var count);
                WriteHeader((byte)'$', count);
                digits[..count].CopyTo(Reserve(count + 2));
                _length += count;
            }
            WriteCrlf();
        }
    }

    private void WriteHeader(byte prefix, int count)
    {
        var span = Reserve(16);
        span[0] = prefix;
        Utf8Formatter.TryFormat(count, span[1..], out var written);
        _length += 1 + written;
        WriteCrlf();
    }

    private void WriteCrlf()
    {
        "\r\n"u8.CopyTo(Reserve(2));
        _length += 2;
    }

    private Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _length < count)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + count));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
        return _buffer.AsSpan(_length);
    }

    public void Dispose()
    {
        if (_buffer.Length == 0)
            return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
