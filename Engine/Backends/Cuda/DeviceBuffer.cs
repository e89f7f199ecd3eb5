using System.Runtime.CompilerServices;
using DynamoOrleans.Engine.Backends.Cuda.Interop;
using static DynamoOrleans.Engine.Backends.Cuda.Interop.NativeMethods;

namespace DynamoOrleans.Engine.Backends.Cuda;

/// <summary>Device memory, freed on <see cref="Dispose"/>. Offsets and counts are in bytes unless typed.</summary>
public sealed unsafe class DeviceBuffer : IDisposable
{
    private readonly DeviceMemoryHandle _handle;

    internal DeviceBuffer(CudaDevice device, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1);
        device.MakeCurrent();
        var result = cuMemAlloc(out var pointer, (nuint)bytes);
        if (result != 0)
            throw new CudaException(nameof(cuMemAlloc), result, CudaErrorName(result), $"{bytes:N0} bytes");
        _handle = new DeviceMemoryHandle(device.Context, pointer);
        Bytes = bytes;
    }

    public ulong Pointer => (ulong)_handle.DangerousGetHandle();

    public long Bytes { get; }

    public ulong At(long byteOffset) => Pointer + (ulong)byteOffset;

    /// <summary>Queues a host-to-device copy; a pageable source is staged before the call returns, so it may be reused at once.</summary>
    public void CopyFrom<T>(ReadOnlySpan<T> source, CudaStream stream, long byteOffset = 0) where T : unmanaged
    {
        var bytes = (long)source.Length * sizeof(T);
        CheckRange(byteOffset, bytes);
        fixed (T* p = source)
            CheckCuda(cuMemcpyHtoDAsync(At(byteOffset), p, (nuint)bytes, stream.Handle), nameof(cuMemcpyHtoDAsync));
    }

    /// <summary>Queues a copy of <paramref name="bytes"/> from host memory (pageable memory is staged before the call returns).</summary>
    public void CopyFromHost(void* source, long bytes, CudaStream stream, long byteOffset = 0)
    {
        CheckRange(byteOffset, bytes);
        CheckCuda(cuMemcpyHtoDAsync(At(byteOffset), source, (nuint)bytes, stream.Handle), nameof(cuMemcpyHtoDAsync));
    }

    /// <summary>
    /// Queues a copy of <paramref name="rows"/> contiguous host rows of <paramref name="rowBytes"/> to rows
    /// <paramref name="destinationPitch"/> bytes apart from <paramref name="byteOffset"/> (interleaving two matrices).
    /// </summary>
    public void CopyRowsFromHost(void* source, long rowBytes, long rows, long destinationPitch, CudaStream stream, long byteOffset = 0)
    {
        if (rows == 0)
            return;
        CheckRange(byteOffset, (rows - 1) * destinationPitch + rowBytes);
        var copy = new CuMemcpy2D
        {
            SrcMemoryType = CU_MEMORYTYPE_HOST, SrcHost = source, SrcPitch = (nuint)rowBytes,
            DstMemoryType = CU_MEMORYTYPE_DEVICE, DstDevice = At(byteOffset), DstPitch = (nuint)destinationPitch,
            WidthInBytes = (nuint)rowBytes, Height = (nuint)rows,
        };
        CheckCuda(cuMemcpy2DAsync(&copy, stream.Handle), nameof(cuMemcpy2DAsync));
    }

    /// <summary>Copies to the host and waits for the stream.</summary>
    public void CopyTo<T>(Span<T> destination, CudaStream stream, long byteOffset = 0) where T : unmanaged
    {
        var bytes = (long)destination.Length * sizeof(T);
        CheckRange(byteOffset, bytes);
        fixed (T* p = destination)
        {
            CheckCuda(cuMemcpyDtoHAsync(p, At(byteOffset), (nuint)bytes, stream.Handle), nameof(cuMemcpyDtoHAsync));
            stream.Synchronize();
        }
    }

    /// <summary>Queues a device-to-device copy of <paramref name="bytes"/> from <paramref name="source"/>.</summary>
    public void CopyFromDevice(DeviceBuffer source, long bytes, CudaStream stream, long byteOffset = 0, long sourceOffset = 0)
    {
        ArgumentNullException.ThrowIfNull(source);
        CheckRange(byteOffset, bytes);
        source.CheckRange(sourceOffset, bytes);
        CheckCuda(cuMemcpyDtoDAsync(At(byteOffset), source.At(sourceOffset), (nuint)bytes, stream.Handle), nameof(cuMemcpyDtoDAsync));
    }

    public T[] ToArray<T>(CudaStream stream, long count = -1) where T : unmanaged
    {
        var result = new T[count < 0 ? Bytes / sizeof(T) : count];
        CopyTo<T>(result, stream);
        return result;
    }

    public void Fill(byte value, CudaStream stream) =>
        CheckCuda(cuMemsetD8Async(Pointer, value, (nuint)Bytes, stream.Handle), nameof(cuMemsetD8Async));

    public static DeviceBuffer Upload<T>(CudaDevice device, ReadOnlySpan<T> source, CudaStream stream) where T : unmanaged
    {
        var buffer = new DeviceBuffer(device, Math.Max(1L, (long)source.Length * Unsafe.SizeOf<T>()));
        buffer.CopyFrom(source, stream);
        return buffer;
    }

    public void Dispose() => _handle.Dispose();

    private void CheckRange(long offset, long bytes)
    {
        if (offset < 0 || bytes < 0 || offset + bytes > Bytes)
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, {offset + bytes}) is outside a {Bytes}-byte device buffer");
    }
}
