using DynamoOrleans.Engine.Backends.Cuda.Interop;
using static DynamoOrleans.Engine.Backends.Cuda.Interop.NativeMethods;

namespace DynamoOrleans.Engine.Backends.Cuda;

/// <summary>
/// Page-locked host memory: copies from and to it are truly asynchronous and run at full bus speed, so the
/// runner stages each step's inputs and logits here instead of in managed arrays.
/// </summary>
public sealed unsafe class PinnedBuffer : IDisposable
{
    private readonly PinnedMemoryHandle _handle;

    internal PinnedBuffer(CudaDevice device, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        device.MakeCurrent();
        CheckCuda(cuMemHostAlloc(out var pointer, (nuint)bytes, CU_MEMHOSTALLOC_PORTABLE), nameof(cuMemHostAlloc));
        _handle = new PinnedMemoryHandle(device.Context, pointer);
        Bytes = bytes;
    }

    public long Bytes { get; }

    public void* Pointer => (void*)_handle.DangerousGetHandle();

    public Span<T> AsSpan<T>(long byteOffset, int count) where T : unmanaged
    {
        if (byteOffset < 0 || byteOffset + (long)count * sizeof(T) > Bytes)
            throw new ArgumentOutOfRangeException(nameof(byteOffset));
        return new Span<T>((byte*)Pointer + byteOffset, count);
    }

    /// <summary>Queues a copy of <paramref name="bytes"/> from this buffer to the device.</summary>
    public void CopyToDevice(ulong destination, long byteOffset, long bytes, CudaStream stream) =>
        CheckCuda(cuMemcpyHtoDAsync(destination, (byte*)Pointer + byteOffset, (nuint)bytes, stream.Handle), nameof(cuMemcpyHtoDAsync));

    /// <summary>Queues a copy of <paramref name="bytes"/> from the device into this buffer.</summary>
    public void CopyFromDevice(ulong source, long byteOffset, long bytes, CudaStream stream) =>
        CheckCuda(cuMemcpyDtoHAsync((byte*)Pointer + byteOffset, source, (nuint)bytes, stream.Handle), nameof(cuMemcpyDtoHAsync));

    public void Dispose() => _handle.Dispose();
}
