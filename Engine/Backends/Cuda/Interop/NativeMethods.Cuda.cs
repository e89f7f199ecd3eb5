using System.Runtime.InteropServices;

namespace DynamoOrleans.Engine.Backends.Cuda.Interop;

/// <summary>The CUDA driver API (libcuda): contexts, memory, modules, launches, streams and graphs.</summary>
internal static unsafe partial class NativeMethods
{
    internal const int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    internal const int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    internal const int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    internal const int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;
    internal const int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
    internal const int CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION = 6;
    internal const int CU_MEMORYTYPE_HOST = 1;
    internal const int CU_MEMORYTYPE_DEVICE = 2;
    internal const uint CU_STREAM_NON_BLOCKING = 1;
    internal const int CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1;
    internal const int CU_STREAM_CAPTURE_STATUS_INVALIDATED = 2;
    internal const uint CU_MEMHOSTALLOC_PORTABLE = 1;
    internal const int CUDA_SUCCESS = 0;
    internal const int CUDA_ERROR_NO_DEVICE = 100;
    internal const int CUDA_ERROR_STREAM_CAPTURE_INVALIDATED = 901;

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuInit(uint flags);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuDriverGetVersion(out int version);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuGetErrorName(int error, out nint name);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuDeviceGetCount(out int count);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuDeviceGet(out int device, int ordinal);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuDeviceGetAttribute(out int value, int attribute, int device);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuDeviceGetName(byte* name, int length, int device);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuDevicePrimaryCtxRetain(out nint context, int device);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuDevicePrimaryCtxRelease_v2")]
    internal static partial int cuDevicePrimaryCtxRelease(int device);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuCtxSetCurrent(nint context);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuCtxSynchronize();

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuMemGetInfo_v2")]
    internal static partial int cuMemGetInfo(out nuint free, out nuint total);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuMemAlloc_v2")]
    internal static partial int cuMemAlloc(out ulong pointer, nuint bytes);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuMemFree_v2")]
    internal static partial int cuMemFree(ulong pointer);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuMemHostAlloc(out nint pointer, nuint bytes, uint flags);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuMemFreeHost(nint pointer);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuMemcpyHtoDAsync_v2")]
    internal static partial int cuMemcpyHtoDAsync(ulong destination, void* source, nuint bytes, nint stream);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuMemcpyDtoHAsync_v2")]
    internal static partial int cuMemcpyDtoHAsync(void* destination, ulong source, nuint bytes, nint stream);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuMemcpyDtoDAsync_v2")]
    internal static partial int cuMemcpyDtoDAsync(ulong destination, ulong source, nuint bytes, nint stream);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuMemsetD8Async(ulong destination, byte value, nuint count, nint stream);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuStreamCreate(out nint stream, uint flags);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuStreamDestroy_v2")]
    internal static partial int cuStreamDestroy(nint stream);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuStreamSynchronize(nint stream);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuModuleLoadData(out nint module, void* image);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuModuleUnload(nint module);

    [LibraryImport(CudaLibraries.Driver, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int cuModuleGetFunction(out nint function, nint module, string name);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuFuncSetAttribute(nint function, int attribute, int value);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuLaunchKernel(
        nint function,
        uint gridX, uint gridY, uint gridZ,
        uint blockX, uint blockY, uint blockZ,
        uint sharedMemBytes, nint stream, void** kernelParams, void** extra);

    /// <summary>CUlaunchConfig (cuda.h, CUDA 12+): the grid, block, stream and attribute list of one cuLaunchKernelEx.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CuLaunchConfig
    {
        public uint GridX, GridY, GridZ;
        public uint BlockX, BlockY, BlockZ;
        public uint SharedMemBytes;
        public nint Stream;
        public CuLaunchAttribute* Attributes;
        public uint NumAttributes;
    }

    /// <summary>CUlaunchAttribute: an id, padding to 8 bytes, then a 64-byte value union (here only its first int).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 72)]
    internal struct CuLaunchAttribute
    {
        [FieldOffset(0)] public int Id;
        [FieldOffset(8)] public int Value;
    }

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuLaunchKernelEx(CuLaunchConfig* config, nint function, void** kernelParams, void** extra);

    /// <summary>CUDA_MEMCPY2D: a pitched copy of Height rows of WidthInBytes (array fields unused here).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CuMemcpy2D
    {
        public nuint SrcXInBytes, SrcY;
        public int SrcMemoryType;
        public void* SrcHost;
        public ulong SrcDevice;
        public nint SrcArray;
        public nuint SrcPitch;
        public nuint DstXInBytes, DstY;
        public int DstMemoryType;
        public void* DstHost;
        public ulong DstDevice;
        public nint DstArray;
        public nuint DstPitch;
        public nuint WidthInBytes;
        public nuint Height;
    }

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuMemcpy2DAsync_v2")]
    internal static partial int cuMemcpy2DAsync(CuMemcpy2D* copy, nint stream);

    [LibraryImport(CudaLibraries.Driver, EntryPoint = "cuStreamBeginCapture_v2")]
    internal static partial int cuStreamBeginCapture(nint stream, int mode);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuStreamEndCapture(nint stream, out nint graph);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuStreamIsCapturing(nint stream, out int status);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuGraphInstantiateWithFlags(out nint graphExec, nint graph, ulong flags);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuGraphLaunch(nint graphExec, nint stream);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuGraphExecDestroy(nint graphExec);

    [LibraryImport(CudaLibraries.Driver)]
    internal static partial int cuGraphDestroy(nint graph);

    /// <summary>Throws a <see cref="CudaException"/> naming <paramref name="call"/> unless <paramref name="result"/> is CUDA_SUCCESS.</summary>
    internal static void CheckCuda(int result, string call)
    {
        if (result != 0)
            throw new CudaException(call, result, CudaErrorName(result));
    }

    internal static string CudaErrorName(int result)
    {
        try
        {
            return cuGetErrorName(result, out var name) == 0 && name != 0
                ? Marshal.PtrToStringUTF8(name) ?? "CUDA_ERROR_UNKNOWN"
                : "CUDA_ERROR_UNKNOWN";
        }
        catch (DllNotFoundException)
        {
            return "CUDA_ERROR_UNKNOWN";
        }
    }
}
