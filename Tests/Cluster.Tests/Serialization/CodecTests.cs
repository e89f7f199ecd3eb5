using DynamoOrleans.Cluster.Serialization;
using DynamoOrleans.Engine.Kv;
using DynamoOrleans.Engine.Serving;
using DynamoOrleans.Grains.Interfaces.Cluster;

namespace DynamoOrleans.Cluster.Tests.Serialization;

public sealed class CodecTests
{
    public static TheoryData<KvEvent> Events => new()
    {
        new KvEvent.Stored(1, null, [new StoredBlock(1, 2)]),
        new KvEvent.Stored(long.MaxValue, ulong.MaxValue, [new StoredBlock(ulong.MaxValue, 0), new StoredBlock(3, 4)]),
        new KvEvent.Stored(300, 0, []),
        new KvEvent.Removed(128, [5, ulong.MaxValue]),
        new KvEvent.Removed(0, []),
        new KvEvent.Cleared(1L << 40),
    };

    [Theory]
    [MemberData(nameof(Events))]
    public void KvEvent_RoundTrips(KvEvent kvEvent)
    {
        var bytes = KvEventCodec.ToArray(kvEvent);
        var read = KvEventCodec.Read(bytes);

        Assert.Equal(kvEvent.GetType(), read.GetType());
        Assert.Equal(kvEvent.EventId, read.EventId);
        Assert.Equal(bytes, KvEventCodec.ToArray(read));
        Assert.True(bytes.Length <= KvEventCodec.MaxSize(kvEvent));
    }

    [Fact]
    public void KvEvent_StoredOfEightBlocks_IsCompact()
    {
        var stored = new KvEvent.Stored(1000, 42, [.. Enumerable.Range(0, 8).Select(i => new StoredBlock((ulong)i, (ulong)i))]);

        // version + kind + 2-byte varint id + parent flag + parent + count + 8 × 16.
        Assert.Equal(2 + 2 + 1 + 8 + 1 + 128, KvEventCodec.ToArray(stored).Length);
    }

    [Fact]
    public void KvEvent_UnknownVersion_IsRefused()
    {
        var bytes = KvEventCodec.ToArray(new KvEvent.Cleared(1));
        bytes[0] = 9;

        var error = Assert.Throws<FormatException>(() => KvEventCodec.Read(bytes));
        Assert.Contains("version 9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KvEvent_Truncated_IsRefused()
    {
        var bytes = KvEventCodec.ToArray(new KvEvent.Removed(1, [1, 2, 3]));

        Assert.Throws<FormatException>(() => KvEventCodec.Read(bytes.AsSpan(0, bytes.Length - 1)));
    }

    [Fact]
    public void WorkerCard_RoundTripsAsVersionedJson()
    {
        var card = new WorkerCard(new WorkerId("gpu-node/7", 3), "Qwen/Qwen3-0.6B", "ab12", 16, 32768, 4096, WorkerRole.Decode, "http://10.0.0.5:9100");

        var json = WorkerCardCodec.ToUtf8(card);

        Assert.StartsWith("{\"v\":1,", System.Text.Encoding.UTF8.GetString(json), StringComparison.Ordinal);
        Assert.Equal(card, WorkerCardCodec.Read(json));
    }

    [Fact]
    public void WorkerCard_NewerVersion_IsRefused()
    {
        Assert.Throws<FormatException>(() => WorkerCardCodec.Read("{\"v\":2,\"id\":\"a/0\"}"u8));
    }

    [Fact]
    public void EngineLoad_RoundTrips()
    {
        var load = new EngineLoad(3, 1, 512, 4096, 0.75, 2048, 96);
        Span<byte> bytes = stackalloc byte[EngineLoadCodec.Size];

        EngineLoadCodec.Write(load, bytes);

        Assert.Equal(load, EngineLoadCodec.Read(bytes));
    }

    [Fact]
    public void StreamPosition_ParsesAndOrders()
    {
        var position = KvStreamPosition.Parse("1700000000000-5");

        Assert.Equal(new KvStreamPosition(1_700_000_000_000, 5), position);
        Assert.Equal("1700000000000-5", position.ToString());
        Assert.True(position < new KvStreamPosition(1_700_000_000_000, 6));
        Assert.True(KvStreamPosition.Beginning < position && position < KvStreamPosition.End);
        Assert.Throws<FormatException>(() => KvStreamPosition.Parse("12"));
    }
}
