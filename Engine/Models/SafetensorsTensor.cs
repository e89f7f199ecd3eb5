using System.Runtime.InteropServices;

namespace DynamoOrleans.Engine.Models;

/// <summary>One tensor to write: name, dtype, shape and its raw little-endian bytes.</summary>
public readonly record struct SafetensorsTensor(string Name, DType DType, long[] Shape, ReadOnlyMemory<byte> Data)
{
    public static SafetensorsTensor F32(string name, float[] data, params long[] shape) =>
        new(name, DType.F32, ShapeOr(shape, data.Length), MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

    public static SafetensorsTensor I64(string name, long[] data, params long[] shape) =>
        new(name, DType.I64, ShapeOr(shape, data.Length), MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

    /// <summary>Rounds <paramref name="data"/> to bf16 (nearest even).</summary>
    public static SafetensorsTensor BF16(string name, float[] data, params long[] shape)
    {
        var bits = new ushort[data.Length];
        for (var i = 0; i < data.Length; i++)
            bits[i] = FloatConversions.FloatToBf16(data[i]);
        return new(name, DType.BF16, ShapeOr(shape, data.Length), MemoryMarshal.AsBytes(bits.AsSpan()).ToArray());
    }

    public static SafetensorsTensor F16(string name, float[] data, params long[] shape)
    {
        var halves = new Half[data.Length];
        for (var i = 0; i < data.Length; i++)
            halves[i] = (Half)data[i];
        return new(name, DType.F16, ShapeOr(shape, data.Length), MemoryMarshal.AsBytes(halves.AsSpan()).ToArray());
    }

    /// <summary>Converts a float tensor into <paramref name="dtype"/> (F32, F16 or BF16).</summary>
    public static SafetensorsTensor FromFloats(string name, DType dtype, float[] data, params long[] shape) => dtype switch
    {
        DType.F32 => F32(name, data, shape),
        DType.F16 => F16(name, data, shape),
        DType.BF16 => BF16(name, data, shape),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "only F32, F16 and BF16 are written from floats"),
    };

    private static long[] ShapeOr(long[] shape, int length) => shape.Length == 0 ? [length] : shape;
}
