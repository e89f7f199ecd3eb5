using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>
/// Register-blocked dot-product micro-kernels for <c>y = x · Wᵀ</c> with W row-major <c>[out, in]</c>:
/// four weight rows against one or two token rows at a time, so each loaded weight vector feeds
/// several FMAs. Vector256 is the width every x64 server has; AVX-512 machines still run it at full rate.
/// </summary>
internal static unsafe class MatMulKernels
{
    /// <summary>Four fp32 weight rows against two token rows: eight sums into <paramref name="sums"/>[row * 2 + token].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dot4x2(float* w0, float* w1, float* w2, float* w3, float* x0, float* x1, int k, float* sums)
    {
        Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector256<float> a20 = default, a21 = default, a30 = default, a31 = default;
        var i = 0;
        for (; i + 8 <= k; i += 8)
        {
            var v0 = Vector256.Load(x0 + i);
            var v1 = Vector256.Load(x1 + i);
            var r = Vector256.Load(w0 + i);
            a00 = Vector256.FusedMultiplyAdd(r, v0, a00);
            a01 = Vector256.FusedMultiplyAdd(r, v1, a01);
            r = Vector256.Load(w1 + i);
            a10 = Vector256.FusedMultiplyAdd(r, v0, a10);
            a11 = Vector256.FusedMultiplyAdd(r, v1, a11);
            r = Vector256.Load(w2 + i);
            a20 = Vector256.FusedMultiplyAdd(r, v0, a20);
            a21 = Vector256.FusedMultiplyAdd(r, v1, a21);
            r = Vector256.Load(w3 + i);
            a30 = Vector256.FusedMultiplyAdd(r, v0, a30);
            a31 = Vector256.FusedMultiplyAdd(r, v1, a31);
        }
        float s00 = Vector256.Sum(a00), s01 = Vector256.Sum(a01), s10 = Vector256.Sum(a10), s11 = Vector256.Sum(a11);
        float s20 = Vector256.Sum(a20), s21 = Vector256.Sum(a21), s30 = Vector256.Sum(a30), s31 = Vector256.Sum(a31);
        for (; i < k; i++)
        {
            s00 += w0[i] * x0[i];
            s01 += w0[i] * x1[i];
            s10 += w1[i] * x0[i];
            s11 += w1[i] * x1[i];
            s20 += w2[i] * x0[i];
            s21 += w2[i] * x1[i];
            s30 += w3[i] * x0[i];
            s31 += w3[i] * x1[i];
        }
        sums[0] = s00;
        sums[1] = s01;
        sums[2] = s10;
        sums[3] = s11;
        sums[4] = s20;
        sums[5] = s21;
        sums[6] = s30;
        sums[7] = s31;
    }

    /// <summary>Four fp32 weight rows against one token row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dot4x1(float* w0, float* w1, float* w2, float* w3, float* x, int k, float* sums)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var i = 0;
        for (; i + 8 <= k; i += 8)
        {
            var v = Vector256.Load(x + i);
            a0 = Vector256.FusedMultiplyAdd(Vector256.Load(w0 + i), v, a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.Load(w1 + i), v, a1);
            a2 = Vector256.FusedMultiplyAdd(Vector256.Load(w2 + i), v, a2);
            a3 = Vector256.FusedMultiplyAdd(Vector256.Load(w3 + i), v, a3);
        }
        float s0 = Vector256.Sum(a0), s1 = Vector256.Sum(a1), s2 = Vector256.Sum(a2), s3 = Vector256.Sum(a3);
        for (; i < k; i++)
        {
            s0 += w0[i] * x[i];
            s1 += w1[i] * x[i];
            s2 += w2[i] * x[i];
            s3 += w3[i] * x[i];
        }
        sums[0] = s0;
        sums[1] = s1;
        sums[2] = s2;
        sums[3] = s3;
    }

    /// <summary>
    /// Four bf16 weight rows against one token row, widening in registers: the decode path, where
    /// memory bandwidth, not arithmetic, sets the speed and bf16 moves half the bytes of fp32.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Bf16Dot4x1(ushort* w0, ushort* w1, ushort* w2, ushort* w3, float* x, int k, float* sums)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var i = 0;
        for (; i + 8 <= k; i += 8)
        {
            var v = Vector256.Load(x + i);
            a0 = Vector256.FusedMultiplyAdd(Widen(w0 + i), v, a0);
            a1 = Vector256.FusedMultiplyAdd(Widen(w1 + i), v, a1);
            a2 = Vector256.FusedMultiplyAdd(Widen(w2 + i), v, a2);
            a3 = Vector256.FusedMultiplyAdd(Widen(w3 + i), v, a3);
        }
        float s0 = Vector256.Sum(a0), s1 = Vector256.Sum(a1), s2 = Vector256.Sum(a2), s3 = Vector256.Sum(a3);
        for (; i < k; i++)
        {
            s0 += Bf16(w0[i]) * x[i];
            s1 += Bf16(w1[i]) * x[i];
            s2 += Bf16(w2[i]) * x[i];
            s3 += Bf16(w3[i]) * x[i];
        }
        sums[0] = s0;
        sums[1] = s1;
        sums[2] = s2;
        sums[3] = s3;
    }

    public static float Dot(float* w, float* x, int k) =>
        System.Numerics.Tensors.TensorPrimitives.Dot(new ReadOnlySpan<float>(w, k), new ReadOnlySpan<float>(x, k));

    /// <summary>Widens <paramref name="count"/> bf16 values into fp32.</summary>
    public static void WidenBf16(ushort* source, float* destination, int count)
    {
        var i = 0;
        for (; i + 8 <= count; i += 8)
            Widen(source + i).Store(destination + i);
        for (; i < count; i++)
            destination[i] = Bf16(source[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen(ushort* p) =>
        (Vector256.WidenLower(Vector128.Load(p).ToVector256Unsafe()) << 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Bf16(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);
}
