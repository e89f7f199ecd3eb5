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

    private void Copy(TensorView tensor, DeviceBuffer buffer, long offset)
    {
        if (tensor.DType == DType.BF16)
        {
            buffer.CopyFromHost(tensor.Pointer, tensor.ByteLength, stream, offset);
            return;
        }
        var count = checked((int)tensor.ElementCount);
        var floats = new float[count];
        tensor.CopyToFloat(floats);
        var bf16 = new ushort[count];
        for (var i = 0; i < count; i++)
            bf16[i] = FloatConversions.FloatToBf16(floats[i]);
        buffer.CopyFrom<ushort>(bf16, stream, offset);
        stream.Synchronize();
    }
}
