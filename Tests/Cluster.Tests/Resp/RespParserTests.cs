using System.Buffers;
using System.Text;
using DynamoOrleans.Cluster.Resp;

namespace DynamoOrleans.Cluster.Tests.Resp;

public sealed class RespParserTests
{
    private static readonly byte[] s_nested = Encoding.ASCII.GetBytes(
        "*5\r\n+OK\r\n:-42\r\n$6\r\na\r\nb\r\n\r\n$-1\r\n*2\r\n*-1\r\n*0\r\n");

    [Fact]
    public void TryParse_NestedReply_ReadsEveryType()
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(s_nested));

        Assert.True(RespParser.TryParse(ref reader, out var value));

        var items = value.AsArray();
        Assert.Equal("OK", items[0].AsString());
        Assert.Equal(-42, items[1].AsInt64());
        Assert.Equal("a\r\nb\r\n", items[2].AsString());
        Assert.True(items[3].IsNull);
        Assert.True(items[4].AsArray()[0].IsNull);
        Assert.Empty(items[4].AsArray()[1].AsArray());
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void TryParse_EveryTruncation_ConsumesNothingUntilComplete()
    {
        for (var cut = 0; cut < s_nested.Length; cut++)
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(s_nested, 0, cut));
            Assert.False(RespParser.TryParse(ref reader, out _));
            Assert.Equal(0, reader.Consumed);
        }
    }

    [Fact]
    public void TryParse_ReplySplitAcrossSegments_ReadsSameValue()
    {
        // One segment per byte: every line and bulk body crosses a segment boundary.
        var sequence = Segments.OneBytePerSegment(s_nested);
        var reader = new SequenceReader<byte>(sequence);

        Assert.True(RespParser.TryParse(ref reader, out var value));

        Assert.Equal("a\r\nb\r\n", value.AsArray()[2].AsString());
    }

    [Fact]
    public void TryParse_ErrorReply_IsErrorValue()
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>("-WRONGTYPE no\r\n"u8.ToArray()));

        Assert.True(RespParser.TryParse(ref reader, out var value));

        Assert.Equal(RespType.Error, value.Type);
        Assert.Equal("WRONGTYPE no", value.AsString());
    }

    [Theory]
    [InlineData("?oops\r\n")]
    [InlineData(":12a\r\n")]
    [InlineData("+no cr\n")]
    [InlineData("$3\r\nabcXY")]
    public void TryParse_Garbage_ThrowsProtocolError(string wire)
    {
        var bytes = Encoding.ASCII.GetBytes(wire);
        Assert.Throws<RespProtocolException>(() =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
            RespParser.TryParse(ref reader, out _);
        });
    }

    [Fact]
    public void WriteCommand_MixedArguments_EncodesAsBulkStrings()
    {
        using var writer = new RespWriter(8);

        writer.WriteCommand(["SET", "kéy", -7L, new byte[] { 0, 13, 10 }]);

        Assert.Equal("*4\r\n$3\r\nSET\r\n$4\r\nkéy\r\n$2\r\n-7\r\n$3\r\n\0\r\n\r\n", Encoding.UTF8.GetString(writer.Written.Span));
    }

    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(byte b, long index)
        {
            Memory = new[] { b };
            RunningIndex = index;
        }

        public static ReadOnlySequence<byte> OneBytePerSegment(byte[] bytes)
        {
            var first = new Segments(bytes[0], 0);
            var last = first;
            for (var i = 1; i < bytes.Length; i++)
            {
                var next = new Segments(bytes[i], i);
                last.Next = next;
                last = next;
            }
            return new ReadOnlySequence<byte>(first, 0, last, 1);
        }
    }
}
