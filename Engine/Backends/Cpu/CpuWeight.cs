using DynamoOrleans.Engine.Models;

namespace DynamoOrleans.Engine.Backends.Cpu;

/// <summary>
/// A <c>[rows, cols]</c> weight matrix as the CPU kernels read it: fp32 or bf16 straight from the
/// mapped file (bf16 widens inside the kernels, halving memory traffic), or fp16 widened once into
/// native fp32 because fp16 has no shift-only widening.
/// </summary>
internal sealed unsafe class CpuWeight : IDisposable
{
    private readonly NativeBuffer<float>? _widened;

    public CpuWeight(TensorView view)
    {
        if (view.Rank != 2)
            throw new ModelFormatException($"tensor '{view.Name}' has shape {view.ShapeText}; a matrix is expected");
        Name = view.Name;
        Rows = checked((int)view.Dim(0));
        Cols = checked((int)view.Dim(1));
        switch (view.DType)
        {
            case DType.F32:
                IsBf16 = false;
                Data = view.Pointer;
                break;
            case DType.BF16:
                IsBf16 = true;
                Data = view.Pointer;
                break;
            default:
                _widened = new NativeBuffer<float>((long)Rows * Cols);
                for (var r = 0; r < Rows; r++)
                    WidenRow(view, r, new Span<float>(_widened.Pointer + (long)r * Cols, Cols));
                IsBf16 = false;
                Data = (byte*)_widened.Pointer;
                break;
        }
    }

    public string Name { get; }

    public int Rows { get; }

    public int Cols { get; }

    /// <summary>True when <see cref="Data"/> holds bf16; otherwise fp32.</summary>
    public bool IsBf16 { get; }

    public byte* Data { get; }

    public float* F32Row(int row) => (float*)Data + (long)row * Cols;

    public ushort* Bf16Row(int row) => (ushort*)Data + (long)row * Cols;

    /// <summary>Widens row <paramref name="row"/> into <paramref name="destination"/>: the embedding lookup.</summary>
    public void CopyRow(int row, Span<float> destination)
    {
        if (IsBf16)
            FloatConversions.Bf16ToFloat(new ReadOnlySpan<ushort>(Bf16Row(row), Cols), destination);
        else
            new ReadOnlySpan<float>(F32Row(row), Cols).CopyTo(destination);
    }

    public void Dispose() => _widened?.Dispose();

    private static void WidenRow(TensorView view, int row, Span<float> destination)
    {
        var cols = destination.Length;
        var halves = new ReadOnlySpan<Half>((Half*)view.Pointer + (long)row * cols, cols);
        System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(halves, destination);
    }
}
