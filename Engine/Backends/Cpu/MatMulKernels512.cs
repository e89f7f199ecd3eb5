using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>
/// The <see cref="MatMulKernels"/> micro-kernels at AVX-512 width: the same register blocking with
/// 16 lanes, which doubles the FMA rate where the hardware has 512-bit units. Remainders shorter
/// than 16 fall back to the Vector256 kernels' scalar tails.
/// </summary>
internal static unsafe class MatMulKernels512
{
    /// <summary>True when the 512-bit kernels run in hardware; tests may force them to check them against the 256-bit ones.</summary>
    public static bool Enabled { get; set; } = Vector512.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dot4x2(float* w0, float* w1, float* w2, float* w3, float* x0, float* x1, int k, float* sums)
    {
        Vector512<float> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector512<float> a20 = default, a21 = default, a30 = default, a31 = default;
        var i = 0;
        for (; i + 16 <= k; i += 16)
        {
            var v0 = Vector512.Load(x0 + i);
            var v1 = Vector512.Load(x1 + i);
            var r = Vector512.Load(w0 + i);
            a00 = Vector512.FusedMultiplyAdd(r, v0, a00);
            a01 = Vector512.FusedMultiplyAdd(r, v1, a01);
            r = Vector512.Load(w1 + i);
            a10 = Vector512.FusedMultiplyAdd(r, v0, a10);
            a11 = Vector512.FusedMultiplyAdd(r, v1, a11);
            r = Vector512.Load(w2 + i);
            a20 = Vector512.FusedMultiplyAdd(r, v0, a20);
            a21 = Vector512.FusedMultiplyAdd(r, v1, a21);
            r = Vector512.Load(w3 + i);
            a30 = Vector512.FusedMultiplyAdd(r, v0, a30);
            a31 = Vector512.FusedMultiplyAdd(r, v1, a31);
        }
        MatMulKernels.Dot4x2(w0 + i, w1 + i, w2 + i, w3 + i, x0 + i, x1 + i, k - i, sums);
        sums[0] += Vector512.Sum(a00);
        sums[1] += Vector512.Sum(a01);
        sums[2] += Vector512.Sum(a10);
        sums[3] += Vector512.Sum(a11);
        sums[4] += Vector512.Sum(a20);
        sums[5] += Vector512.Sum(a21);
        sums[6] += Vector512.Sum(a30);
        sums[7] += Vector512.Sum(a31);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dot4x1(float* w0, float* w1, float* w2, float* w3, float* x, int k, float* sums)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var i = 0;
        for (; i + 16 <= k; i += 16)
        {
            var v = Vector512.Load(x + i);
            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(w0 + i), v, a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.Load(w1 + i), v, a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.Load(w2 + i), v, a2);
            a3 = Vector512.FusedMultiplyAdd(Vector512.Load(w3 + i), v, a3);
        }
        MatMulKernels.Dot4x1(w0 + i, w1 + i, w2 + i, w3 + i, x + i, k - i, sums);
        sums[0] += Vector512.Sum(a0);
        sums[1] += Vector512.Sum(a1);
        sums[2] += Vector512.Sum(a2);
        sums[3] += Vector512.Sum(a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Bf16Dot4x1(ushort* w0, ushort* w1, ushort* w2, ushort* w3, float* x, int k, float* sums)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var i = 0;
        for (; i + 16 <= k; i += 16)
        {
            var v = Vector512.Load(x + i);
            a0 = Vector512.FusedMultiplyAdd(Widen(w0 + i), v, a0);
            a1 = Vector512.FusedMultiplyAdd(Widen(w1 + i), v, a1);
            a2 = Vector512.FusedMultiplyAdd(Widen(w2 + i), v, a2);
            a3 = Vector512.FusedMultiplyAdd(Widen(w3 + i), v, a3);
        }
        MatMulKernels.Bf16Dot4x1(w0 + i, w1 + i, w2 + i, w3 + i, x + i, k - i, sums);
        sums[0] += Vector512.Sum(a0);
        sums[1] += Vector512.Sum(a1);
        sums[2] += Vector512.Sum(a2);
        sums[3] += Vector512.Sum(a3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen(ushort* p) =>
        (Vector512.WidenLower(Vector256.Load(p).ToVector512Unsafe()) << 16).AsSingle();
}
