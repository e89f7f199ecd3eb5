using System.Buffers;
using System.IO.Pipelines;
using DynamoOrleans.Grains.Transport;
using Google.Protobuf;
using Proto = DynamoOrleans.Grains.Interfaces.Protos;

namespace DynamoOrleans.Grains.Tests.Transport;

public sealed class GrpcFramingTests
{
    [Fact]
    public void WriteMessage_Always_PrefixesFlagAndBigEndianLength()
    {
        var message = new Proto.CancelRequest { RequestId = "abc" };
        var writer = new ArrayBufferWriter<byte>();

        GrpcFraming.WriteMessage(writer, message, 100);

        Assert.Equal(new byte[] { 0, 0, 0, 0, 5 }, writer.WrittenSpan[..5].ToArray());
        Assert.Equal(message.ToByteArray(), writer.WrittenSpan[5..].ToArray());
    }

    [Fact]
    public async Task ReadMessageAsync_FramesSplitAcrossEveryByte_ReadsEachMessage()
    {
        var writer = new ArrayBufferWriter<byte>();
        for (var i = 0; i < 3; i++)
            GrpcFraming.WriteMessage(writer, new Proto.TokenOutput { TokenId = 100 + i, Logprob = -0.5f * i }, 1000);
        var pipe = new Pipe();

        var feeding = Task.Run(async () =>
        {
            foreach (var b in writer.WrittenSpan.ToArray())
            {
                await pipe.Writer.WriteAsync(new[] { b });
                await Task.Yield();
            }
            await pipe.Writer.CompleteAsync();
        });
        var read = new List<Proto.TokenOutput>();
        while (await GrpcFraming.ReadMessageAsync(pipe.Reader, Proto.TokenOutput.Parser, 1000, CancellationToken.None) is { } message)
            read.Add(message);
        await feeding;

        Assert.Equal([100, 101, 102], read.Select(m => m.TokenId));
        Assert.Equal(-1f, read[2].Logprob);
    }

    [Fact]
    public void TryReadFrame_HeaderOnly_NeedsMoreBytes()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0, 0, 0, 0, 9, 1, 2 });

        Assert.False(GrpcFraming.TryReadFrame(ref buffer, 100, out _));
        Assert.Equal(7, buffer.Length);
    }

    [Fact]
    public void TryReadFrame_EmptyMessage_ReadsZeroBytes()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0, 0, 0, 0, 0 });

        Assert.True(GrpcFraming.TryReadFrame(ref buffer, 100, out var payload));
        Assert.Equal(0, payload.Length);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void TryReadFrame_OverLimit_ThrowsResourceExhaustedBeforeTheBodyArrives()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0, 0, 0x10, 0, 1 });

        var ex = Assert.Throws<GrpcException>(() => GrpcFraming.TryReadFrame(ref buffer, 1024, out _));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public void TryReadFrame_CompressedFlag_ThrowsInternal()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 1, 0, 0, 0, 0 });

        var ex = Assert.Throws<GrpcException>(() => GrpcFraming.TryReadFrame(ref buffer, 1024, out _));
        Assert.Equal(GrpcStatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public void WriteMessage_OverLimit_ThrowsResourceExhausted()
    {
        var message = new Proto.CancelRequest { RequestId = new string('x', 200) };

        var ex = Assert.Throws<GrpcException>(() => GrpcFraming.WriteMessage(new ArrayBufferWriter<byte>(), message, 100));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task ReadMessageAsync_StreamEndsInsideAMessage_ThrowsInternal()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(new byte[] { 0, 0, 0, 0, 9, 1, 2 });
        await pipe.Writer.CompleteAsync();

        var ex = await Assert.ThrowsAsync<GrpcException>(() => GrpcFraming.ReadMessageAsync(pipe.Reader, Proto.TokenOutput.Parser, 100, CancellationToken.None).AsTask());
        Assert.Equal(GrpcStatusCode.Internal, ex.StatusCode);
    }

    [Theory]
    [InlineData(0.0005, "500n")]
    [InlineData(1.5, "1500000n")]
    [InlineData(250, "250000u")]
    [InlineData(100_000, "100000m")]
    [InlineData(86_400_000d * 3, "259200S")]
    public void FormatTimeout_Values_FitEightDigits(double milliseconds, string expected)
    {
        var text = GrpcProtocol.FormatTimeout(TimeSpan.FromMilliseconds(milliseconds));

        Assert.Equal(expected, text);
        Assert.True(GrpcProtocol.TryParseTimeout(text, out var back));
        Assert.InRange(Math.Abs((back - TimeSpan.FromMilliseconds(milliseconds)).TotalMilliseconds), 0, 0.001);
    }

    [Theory]
    [InlineData("1H", 3600_000)]
    [InlineData("2M", 120_000)]
    [InlineData("3S", 3000)]
    [InlineData("40m", 40)]
    public void TryParseTimeout_EachUnit_Parses(string text, double expectedMilliseconds)
    {
        Assert.True(GrpcProtocol.TryParseTimeout(text, out var timeout));
        Assert.Equal(expectedMilliseconds, timeout.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("10x")]
    [InlineData("123456789S")]
    [InlineData("-1S")]
    public void TryParseTimeout_Malformed_ReturnsFalse(string text) => Assert.False(GrpcProtocol.TryParseTimeout(text, out _));

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("100% sure", "100%25 sure")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("naïve", "na%C3%AFve")]
    public void EncodeMessage_RoundTrips(string message, string encoded)
    {
        Assert.Equal(encoded, GrpcProtocol.EncodeMessage(message));
        Assert.Equal(message, GrpcProtocol.DecodeMessage(encoded));
    }

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/json", false)]
    public void IsGrpcContentType_Variants(string contentType, bool expected) => Assert.Equal(expected, GrpcProtocol.IsGrpcContentType(contentType));
}
