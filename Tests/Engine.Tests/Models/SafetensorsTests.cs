using System.Buffers.Binary;
using DynamoOrleans.Engine.Models;
using DynamoOrleans.Engine.Tests.Fixtures;

namespace DynamoOrleans.Engine.Tests.Models;

public class SafetensorsTests
{
    [Fact]
    public void WriteThenOpen_F32I64Bf16_RoundTrips()
    {
        using var tmp = new TempDirectory();
        var path = Path.Combine(tmp.Path, "t.safetensors");
        SafetensorsWriter.Write(path, [
            SafetensorsTensor.F32("a", [1f, -2.5f, 3f, 4f, 5f, 6f], 2, 3),
            SafetensorsTensor.I64("ids", [7, 8, 9]),
            SafetensorsTensor.BF16("b", [1f, 0.5f, -3f]),
        ], new Dictionary<string, string> { ["format"] = "pt" });

        using var archive = SafetensorsArchive.Open(path);
        var a = archive.Get("a");
        Assert.Equal(DType.F32, a.DType);
        Assert.Equal([2L, 3L], a.Shape.ToArray());
        Assert.Equal([1f, -2.5f, 3f, 4f, 5f, 6f], a.ToFloatArray());
        Assert.Equal([7L, 8L, 9L], archive.Get("ids").ToInt64Array());
        Assert.Equal([1f, 0.5f, -3f], archive.Get("b").ToFloatArray());
        Assert.Equal(3, archive.Count);
        Assert.False(archive.Contains("__metadata__"));
    }

    [Fact]
    public void Write_HeaderLength_IsMultipleOfEight()
    {
        using var tmp = new TempDirectory();
        var path = Path.Combine(tmp.Path, "t.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsTensor.F32("x", [1f])]);
        var length = BinaryPrimitives.ReadUInt64LittleEndian(File.ReadAllBytes(path).AsSpan(0, 8));
        Assert.Equal(0UL, length % 8);
    }

    [Fact]
    public void Write_TupleOverload_WritesRawBytes()
    {
        using var tmp = new TempDirectory();
        var path = Path.Combine(tmp.Path, "t.safetensors");
        var bytes = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, 42);
        SafetensorsWriter.Write(path, [("n", DType.I64, new long[] { 2 }, (ReadOnlyMemory<byte>)bytes)]);
        using var archive = SafetensorsArchive.Open(path);
        Assert.Equal([42L, 0L], archive.Get("n").ToInt64Array());
    }

    [Fact]
    public void Open_Bf16Fixture_IsMemoryMappedAndReleasedOnDispose()
    {
        var path = Path.Combine(TestData.TinyQwen3, "model.safetensors");
        var archive = SafetensorsArchive.Open(path);
        var view = archive.Get("model.embed_tokens.weight");
        Assert.Equal(DType.BF16, view.DType);
        Assert.Equal(1024 * 128 * 2, view.ByteLength);
        archive.Dispose();
        Assert.Throws<ModelFormatException>(() => archive.Get("model.embed_tokens.weight"));
    }

    [Fact]
    public void Open_OffsetsPastEndOfFile_ThrowsNamingTensor()
    {
        using var tmp = new TempDirectory();
        var path = Path.Combine(tmp.Path, "bad.safetensors");
        var header = """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"""u8.ToArray();
        var file = new byte[8 + header.Length + 8];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        File.WriteAllBytes(path, file);

        var e = Assert.Throws<ModelFormatException>(() => SafetensorsArchive.Open(path));
        Assert.Contains("'w'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_IndexNamingMissingTensor_Throws()
    {
        using var tmp = new TempDirectory();
        SafetensorsWriter.Write(Path.Combine(tmp.Path, "a.safetensors"), [SafetensorsTensor.F32("x", [1f])]);
        File.WriteAllText(Path.Combine(tmp.Path, SafetensorsArchive.IndexFileName), """{"weight_map": {"x": "a.safetensors", "y": "a.safetensors"}}""");
        var e = Assert.Throws<ModelFormatException>(() => SafetensorsArchive.Open(tmp.Path));
        Assert.Contains("'y'", e.Message, StringComparison.Ordinal);
    }
}
