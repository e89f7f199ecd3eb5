using DynamoOrleans.Engine.Models;

namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>
/// RoPE in Hugging Face's rotate_half layout: dimension <c>i</c> pairs with <c>i + headDim/2</c>.
/// Angles are formed in fp32 (<c>inv_freq · position</c>) as transformers forms them, then the
/// cos/sin of each step's positions are computed once and shared by every layer and head.
/// </summary>
internal sealed unsafe class RotaryEmbedding
{
    private readonly float[] _invFreq;
    private readonly bool _truncatePositions;

    public RotaryEmbedding(RopeConfig rope, int headDim)
    {
        HeadDim = headDim;
        _invFreq = rope.InverseFrequencies(headDim);
        _truncatePositions = rope.TruncatePositionsToBf16;

    }

    public int HeadDim { get; }

    public int Half => HeadDim / 2;

    /// <summary>Fills <paramref name="cos"/> and <paramref name="sin"/> (<c>[positions.Length, headDim/2]</c>).</summary>
    public void Prepare(ReadOnlySpan<int> positions, float* cos, float* sin)
    {
        var half = Half;
        for (var t = 0; t < positions.Length; t++)
        {
            var p = (float)positions[t];
            if (_truncatePositions)
                p = BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(p) & 0xFFFF0000u);
            for (var i = 0; i < half; i++)
            {
                var angle = _invFreq[i] * p;
                cos[t * half + i] = (float)Math.Cos(angle);
                sin[t * half + i] = (float)Math.Sin(angle);
            }
        }
    }

    /// <summary>Rotates <paramref name="heads"/> consecutive head vectors in place with one token's cos/sin.</summary>
    public void Apply(float* x, int heads, float* cos, float* sin)
    {
        var half = Half;
        for (var h = 0; h < heads; h++)
        {
            var v = x + h * HeadDim;
            for (var i = 0; i < half; i++)
            {
                var a = v[i];
                var b = v[i + half];
                v[i] = a * cos[i] - b * sin[i];
                v[i + half] = b * cos[i] + a * sin[i];
            }
        }
    }
}
