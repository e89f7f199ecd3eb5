using DynamoOrleans.Engine.Models;

namespace DynamoOrleans.Engine.Backends.Cuda.Model;

/// <summary>
/// Copies checkpoint tensors to the device as bf16, concatenating along the output dimension where layers
/// are fused. bf16 tensors go straight from the memory-mapped file; fp32 and fp16 ones are narrowed on the
/// host first, one tensor at a time, so the host never holds more than one converted tensor.
/// </summary>
internal sealed unsafe class WeightUploader(CudaDevice device, CudaStream stream)
{
    public long BytesUploaded { get; private set; }

    public DeviceBuffer Upload(TensorView tensor) => Concat([tensor]);

    public DeviceBuffer Concat(ReadOnlySpan<TensorView> parts)
    {
        long elements = 0;
        foreach (var part in parts)
            elements += part.ElementCount;
        var buffer = device.Allocate(elements * 2);
        try
        {
            long offset = 0;
            foreach (var part in parts)
            {
                Copy(part, buffer, offset);
                offset += part.ElementCount * 2;
            }
            // Pageable sources are staged before each copy returns, but converted arrays must outlive the copy.
            stream.Synchronize();
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
        BytesUploaded += buffer.Bytes;
        return buffer;
    }

    /// <summary>
    /// Two [rows, cols] matrices as one [2 rows, cols] whose row 2i is <paramref name="even"/>'s row i and 2i + 1
    /// is <paramref name="odd"/>'s: the gate/up layout the SwiGLU GEMV epilogue and silu_mul expect (gemv.cu).
    /// </summary>
    public DeviceBuffer InterleaveRows(TensorView even, TensorView odd)
    {
        if (even.Shape.Length != 2 || !even.Shape.SequenceEqual(odd.Shape))
            throw new ArgumentException($"row interleaving needs two matrices of one shape; got [{string.Join(", ", even.Shape.ToArray())}] and [{string.Join(", ", odd.Shape.ToArray())}]");
        var rows = even.Shape[0];
        var rowBytes = even.Shape[1] * 2L;
        var buffer = device.Allocate(2 * rows * rowBytes);
        try
        {
            CopyRows(even, buffer, rows, rowBytes, 0);
            CopyRows(odd, buffer, rows, rowBytes, rowBytes);
            stream.Synchronize();
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
        BytesUploaded += buffer.Bytes;
        return buffer;
    }

    private void CopyRows(TensorView tensor, DeviceBuffer buffer, long rows, long rowBytes, long offset)
    {
        if (tensor.DType == DType.BF16)
        {
            buffer.CopyRowsFromHost(tensor.Pointer, rowBytes, rows, 2 * rowBytes, stream, offset);
            return;
        }
        var bf16 = ToBf16(tensor);
        fixed (ushort* p = bf16)
            buffer.CopyRowsFromHost(p, rowBytes, rows, 2 * rowBytes, stream, offset);
        stream.Synchronize();
    }

    private static ushort[] ToBf16(TensorView tensor)
    {
        var count = checked((int)tensor.ElementCount);
        var floats = new float[count];
        tensor.CopyToFloat(floats);
        var bf16 = new ushort[count];
        for (var i = 0; i < count; i++)
            bf16[i] = FloatConversions.FloatToBf16(floats[i]);
        return bf16;
    }

    private void Copy(TensorView tensor, DeviceBuffer buffer, long offset)
    {
        if (tensor.DType == DType.BF16)
        {
            buffer.CopyFromHost(tensor.Pointer, tensor.ByteLength, stream, offset);
            return;
        }
        buffer.CopyFrom<ushort>(ToBf16(tensor), stream, offset);
        stream.Synchronize();
    }
}
