using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DynamoOrleans.Engine.Models;

/// <summary>bf16 is the top half of an fp32, so widening is a 16-bit left shift and narrowing a rounding.</summary>
public static class FloatConversions
{
    public static void Bf16ToFloat(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException("destination too short", nameof(destination));
        ref var src = ref MemoryMarshal.GetReference(source);
        ref var dst = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(destination));
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<uint>.Count <= source.Length; i += Vector256<uint>.Count)
            {
                var halves = Vector128.LoadUnsafe(ref src, (nuint)i);
                var widened = Vector256.WidenLower(halves.ToVector256Unsafe()) << 16;
                widened.StoreUnsafe(ref dst, (nuint)i);
            }
        }
        for (; i < source.Length; i++)
            Unsafe.Add(ref dst, i) = (uint)Unsafe.Add(ref src, i) << 16;
    }

    /// <summary>Round-to-nearest-even narrowing, as torch's <c>.to(torch.bfloat16)</c> does.</summary>
    public static ushort FloatToBf16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
            return (ushort)((bits >> 16) | 0x40);
        var rounding = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    public static float Bf16ToFloat(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);
}
