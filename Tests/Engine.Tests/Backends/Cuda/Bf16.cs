namespace DynamoOrleans.Engine.Tests.Backends.Cuda;

/// <summary>bf16 as raw bits for test data: round to nearest even, as torch and the kernels do.</summary>
internal static class Bf16
{
    public static ushort FromFloat(float value)
    {
        var u = BitConverter.SingleToUInt32Bits(value);
        if ((u & 0x7fffffffu) > 0x7f800000u)
            return (ushort)((u >> 16) | 0x40);
        u += 0x7fffu + ((u >> 16) & 1u);
        return (ushort)(u >> 16);
    }

    public static float ToFloat(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    public static float Round(float value) => ToFloat(FromFloat(value));

    /// <summary>Random bf16 values in [-scale, scale) and the same values as floats.</summary>
    public static (ushort[] Bits, float[] Values) Random(Random random, int count, float scale = 1f)
    {
        var bits = new ushort[count];
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            bits[i] = FromFloat((float)(random.NextDouble() * 2 - 1) * scale);
            values[i] = ToFloat(bits[i]);
        }
        return (bits, values);
    }

    public static float[] ToFloats(ushort[] bits) => Array.ConvertAll(bits, ToFloat);

    public static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            Assert.False(float.IsNaN(a[i]) || float.IsNaN(b[i]), $"NaN at {i}");
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }
        return max;
    }
}
