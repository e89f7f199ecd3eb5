using System.Numerics.Tensors;

namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>The element-wise ops of a decoder layer, on fp32 rows, through TensorPrimitives.</summary>
internal static unsafe class VectorOps
{
    /// <summary>
    /// <c>y = x / sqrt(mean(x²) + eps) · weight</c> for each of <paramref name="rows"/> rows of
    /// <paramref name="width"/>, in the order transformers applies it (normalise, then scale).
    /// </summary>
    public static void RmsNorm(float* x, float* y, int rows, int width, ReadOnlySpan<float> weight, float eps)
    {
        for (var r = 0; r < rows; r++)
        {
            var src = new ReadOnlySpan<float>(x + (long)r * width, width);
            var dst = new Span<float>(y + (long)r * width, width);
            var meanSquare = TensorPrimitives.SumOfSquares(src) / width;
            var scale = 1f / MathF.Sqrt(meanSquare + eps);
            TensorPrimitives.Multiply(src, scale, dst);
            TensorPrimitives.Multiply(dst, weight, dst);
        }
    }

    /// <summary><c>gate = silu(gate) · up</c>, SwiGLU's gating, in place over <paramref name="count"/> values.</summary>
    public static void SiluMultiply(float* gate, float* up, int count)
    {
        var g = new Span<float>(gate, count);
        var u = new ReadOnlySpan<float>(up, count);
        // silu(g) = g · sigmoid(g), done in stack-sized pieces so no scratch is allocated.
        Span<float> sigmoid = stackalloc float[Math.Min(4096, count)];
        for (var i = 0; i < count; i += 4096)
        {
            var n = Math.Min(4096, count - i);
            var gs = g.Slice(i, n);
            var sig = sigmoid[..n];
            TensorPrimitives.Sigmoid(gs, sig);
            TensorPrimitives.Multiply(gs, sig, gs);
            TensorPrimitives.Multiply(gs, u.Slice(i, n), gs);
        }
    }

    public static void Add(float* a, float* b, long count)
    {
        for (long i = 0; i < count; i += int.MaxValue / 2)
        {
            var n = (int)Math.Min(int.MaxValue / 2, count - i);
            TensorPrimitives.Add(new ReadOnlySpan<float>(a + i, n), new ReadOnlySpan<float>(b + i, n), new Span<float>(a + i, n));
        }
    }
}
